using Npgsql;
using Sparkify.Warehouse.Loading;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>The transform alone: staging to star tables on a database whose staging the ingest floor filled.</summary>
internal static class TransformAlone
{
    public static async Task MeasureAsync(NpgsqlConnection connection, long staged, BenchReport report, CancellationToken cancellationToken)
    {
        var (seconds, _) = await BenchTiming.TimeAsync(async () =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await PostgreSqlLoadPhases.TransformStagedAsync(connection, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return 0L;
        }).ConfigureAwait(false);
        report.Add("transform alone: staging to star tables", seconds, staged, bytes: null);
    }
}
