using Npgsql;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>The server checkpoint before "the day after": the state a warehouse is in a day later in real life.</summary>
internal static class Checkpoint
{
    /// <summary>Checkpoints the server; false when the benchmark's role may not (it needs pg_checkpoint).</summary>
    public static async Task<bool> TryAsync(string database, TextWriter log, CancellationToken cancellationToken)
    {
        await using var connection = await BenchTiming.OpenAsync(database, cancellationToken).ConfigureAwait(false);
        try
        {
            await ReferencePipeline.ExecuteAsync(connection, "CHECKPOINT", cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            await log.WriteLineAsync("Skipping the day after a checkpoint: the benchmark's role may not run CHECKPOINT (needs pg_checkpoint).").ConfigureAwait(false);
            return false;
        }
    }
}
