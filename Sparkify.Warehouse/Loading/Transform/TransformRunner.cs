using Npgsql;
using Sparkify.Warehouse.Loading.Pipeline;

namespace Sparkify.Warehouse.Loading.Transform;

/// <summary>Runs the steps of <see cref="StarSchemaTransform"/> and adds up the rows they report.</summary>
internal static class TransformRunner
{
    /// <summary>Runs one step inside the caller's transaction, adding the rows it reports to <paramref name="tally"/>.</summary>
    public static async Task RunAsync(ILoadExecutor executor, TransformStep step, TransformTally tally, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(tally);
        var result = step.ReturnsCounts
            ? new StatementResult(-1, await executor.ReadCountsAsync(step.Sql, cancellationToken).ConfigureAwait(false))
            : new StatementResult(await executor.ExecuteAsync(step.Sql, [], cancellationToken).ConfigureAwait(false), new Dictionary<string, long>());
        Tally(step, result, tally);
    }

    /// <summary>Adds the rows <paramref name="step"/> reports in <paramref name="result"/> to <paramref name="tally"/>.</summary>
    public static void Tally(TransformStep step, StatementResult result, TransformTally tally)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(tally);
        if (step.ReturnsCounts)
        {
            foreach (var (table, rows) in result.Counts)
            {
                tally.Add(table, rows);
            }
        }
        else if (step.CountsRows)
        {
            tally.Add(step.Table, result.RecordsAffected);
        }
    }

    /// <summary>
    /// Runs <see cref="StarSchemaTransform.Steps"/> on an open connection inside its open transaction,
    /// so a failure anywhere leaves the star tables as they were once the caller rolls back.
    /// </summary>
    /// <returns>Rows inserted (users and artists: inserted or updated) per star table.</returns>
    public static async Task<TransformCounts> ApplyAsync(
        NpgsqlConnection connection, WarehouseProvider provider, bool fullRefresh, CancellationToken cancellationToken, bool songsUnchanged = false)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var executor = new NpgsqlLoadExecutor(connection, owned: false);
        var tally = new TransformTally();
        foreach (var step in StarSchemaTransform.Steps(provider, fullRefresh, songsUnchanged))
        {
            await RunAsync(executor, step, tally, cancellationToken).ConfigureAwait(false);
        }

        return tally.ToCounts();
    }
}
