using Sparkify.Warehouse.Loading;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>The parse floor: every file parsed into COPY rows as the load does, written nowhere; no database.</summary>
internal sealed class ParseFloor(PostgreSqlLoadPhases phases)
{
    public async Task MeasureAsync(BenchReport report, long jsonBytes, CancellationToken cancellationToken)
    {
        // Best of two: the first pass also pays for JIT-compiling the parser's hot loop, which
        // every later measurement in this process finds done.
        var (first, rows) = await BenchTiming.TimeAsync(() => phases.WriteCopyRowsAsync(Stream.Null, Stream.Null, cancellationToken)).ConfigureAwait(false);
        var (second, _) = await BenchTiming.TimeAsync(() => phases.WriteCopyRowsAsync(Stream.Null, Stream.Null, cancellationToken)).ConfigureAwait(false);
        report.Add("parse floor: JSON to COPY rows, no database", Math.Min(first, second), rows, jsonBytes);
    }

    /// <summary>Writes the pre-parsed rows the ingest floor and the reference replay (once per dataset).</summary>
    public async Task WritePreParsedRowsAsync(BenchDataset data, CancellationToken cancellationToken)
    {
        var songsPartial = data.SongsBinary + ".partial";
        var eventsPartial = data.EventsBinary + ".partial";
        await using (var songs = File.Create(songsPartial))
        await using (var events = File.Create(eventsPartial))
        {
            await phases.WriteCopyRowsAsync(songs, events, cancellationToken).ConfigureAwait(false);
        }

        File.Move(songsPartial, data.SongsBinary, overwrite: true);
        File.Move(eventsPartial, data.EventsBinary, overwrite: true);
    }
}
