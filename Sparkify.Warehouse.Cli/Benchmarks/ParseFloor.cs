using Sparkify.Warehouse.Loading.Json;
using Sparkify.Warehouse.Loading.PostgreSql;
using Sparkify.Warehouse.Loading.Sources;
using Sparkify.Warehouse.Loading.Staging;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>The parse floor: every file parsed into COPY rows as the load does, written nowhere; no database.</summary>
internal sealed class ParseFloor(PostgresStaging staging, List<SourceFile> songFiles, List<SourceFile> eventFiles, IReadOnlyList<JsonPath> jsonPaths)
{
    public async Task MeasureAsync(BenchReport report, long jsonBytes, CancellationToken cancellationToken)
    {
        // Best of two: the first pass also pays for JIT-compiling the parser's hot loop, which
        // every later measurement in this process finds done.
        var (first, rows) = await BenchTiming.TimeAsync(() => ParseAsync(data: null, cancellationToken)).ConfigureAwait(false);
        var (second, _) = await BenchTiming.TimeAsync(() => ParseAsync(data: null, cancellationToken)).ConfigureAwait(false);
        report.Add("parse floor: JSON to COPY rows, no database", Math.Min(first, second), rows, jsonBytes);
    }

    /// <summary>Writes the pre-parsed rows the ingest floor and the reference replay (once per dataset).</summary>
    public Task WritePreParsedRowsAsync(BenchDataset data, CancellationToken cancellationToken) => ParseAsync(data, cancellationToken);

    /// <summary>Parses every file as the load does; writes the rows to the cache when <paramref name="data"/> is given, else nowhere.</summary>
    private async Task<long> ParseAsync(BenchDataset? data, CancellationToken cancellationToken)
    {
        var songs = await ParseToAsync(staging.SongsCopy(), songFiles, data?.SongsBinary, cancellationToken).ConfigureAwait(false);
        var events = await ParseToAsync(staging.EventsCopy(jsonPaths), eventFiles, data?.EventsBinary, cancellationToken).ConfigureAwait(false);
        return songs + events;
    }

    private static async Task<long> ParseToAsync(PostgresStagingCopy copy, List<SourceFile> files, string? path, CancellationToken cancellationToken)
    {
        if (path is null)
        {
            return (await copy.WriteToAsync(Stream.Null, files, new RejectLog(Guid.NewGuid(), 0), cancellationToken).ConfigureAwait(false)).RecordsStaged;
        }

        var partial = path + ".partial";
        long rows;
        await using (var file = File.Create(partial))
        {
            rows = (await copy.WriteToAsync(file, files, new RejectLog(Guid.NewGuid(), 0), cancellationToken).ConfigureAwait(false)).RecordsStaged;
        }

        File.Move(partial, path, overwrite: true);
        return rows;
    }
}
