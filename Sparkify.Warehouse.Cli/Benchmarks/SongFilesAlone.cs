using Sparkify.Warehouse.Loading.PostgreSql;
using Sparkify.Warehouse.Loading.Sources;
using Sparkify.Warehouse.Loading.Staging;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>The song files staged alone (one song per file), to show the per-file cost.</summary>
internal static class SongFilesAlone
{
    public static async Task MeasureAsync(string database, PostgresStaging staging, List<SourceFile> songFiles, BenchReport report, CancellationToken cancellationToken)
    {
        await using var connection = await BenchTiming.OpenAsync(database, cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var (seconds, files) = await BenchTiming.TimeAsync(async () =>
        {
            var result = await staging.CopySongsAsync(connection, staging.Fingerprinted(songFiles), new RejectLog(Guid.NewGuid(), 0), null, cancellationToken).ConfigureAwait(false);
            return result.FilesRead;
        }).ConfigureAwait(false);
        report.Add("song files staged alone (one song per file)", seconds, files, songFiles.Sum(f => f.Length ?? 0));
        report.SongFilesPerSecond = files / seconds;
    }
}
