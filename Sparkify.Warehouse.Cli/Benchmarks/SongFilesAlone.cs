using Sparkify.Warehouse.Loading;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>The song files staged alone (one song per file), to show the per-file cost.</summary>
internal static class SongFilesAlone
{
    public static async Task MeasureAsync(string database, PostgreSqlLoadPhases phases, BenchReport report, CancellationToken cancellationToken)
    {
        await using var connection = await BenchTiming.OpenAsync(database, cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var (seconds, files) = await BenchTiming.TimeAsync(() => phases.StageSongsAsync(connection, cancellationToken)).ConfigureAwait(false);
        report.Add("song files staged alone (one song per file)", seconds, files, phases.SongBytes);
        report.SongFilesPerSecond = files / seconds;
    }
}
