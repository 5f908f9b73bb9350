using Npgsql;

namespace Sparkify.Warehouse.Loading.Pipeline;

/// <summary>
/// Sends a load's statements to the warehouse: the one place a load's SQL passes on its way to the
/// server, so a test (or a stand-in server) can see or replace exactly what a run sends.
/// </summary>
/// <remarks>
/// Every statement runs without a command timeout: a load is one transaction whose COPY, LOCK and
/// transform statements may each take minutes, and it is bounded by the caller's cancellation token.
/// </remarks>
internal interface ILoadExecutor : IAsyncDisposable
{
    /// <summary>Runs a statement; returns the rows it affected.</summary>
    Task<int> ExecuteAsync(string sql, IReadOnlyList<NpgsqlParameter> parameters, CancellationToken cancellationToken);

    /// <summary>Runs a query; returns the first column of its first row, or null when it has none.</summary>
    Task<object?> ScalarAsync(string sql, IReadOnlyList<NpgsqlParameter> parameters, CancellationToken cancellationToken);

    /// <summary>Runs a query; returns every row, each as its column values (null for SQL NULL).</summary>
    Task<IReadOnlyList<object?[]>> ReadRowsAsync(string sql, IReadOnlyList<NpgsqlParameter> parameters, CancellationToken cancellationToken);

    /// <summary>Runs a query returning one row of counts; returns them by column name (empty when no row).</summary>
    Task<IReadOnlyDictionary<string, long>> ReadCountsAsync(string sql, CancellationToken cancellationToken);

    /// <summary>
    /// Sends <paramref name="statements"/> to the server in one round trip, to run one after the other in
    /// the open transaction; the first that fails stops the rest and throws (PostgreSQL only).
    /// </summary>
    /// <returns>Each statement's result, in order.</returns>
    Task<IReadOnlyList<StatementResult>> ExecuteBatchAsync(IReadOnlyList<BatchedStatement> statements, CancellationToken cancellationToken);

    /// <summary>
    /// Starts a streaming <c>COPY ... FROM STDIN</c> and hands the open connection to
    /// <paramref name="copy"/>, which must send exactly <paramref name="sql"/> (PostgreSQL only).
    /// </summary>
    Task<T> CopyAsync<T>(string sql, Func<NpgsqlConnection, Task<T>> copy);

    /// <summary>Rolls back the open transaction, if the connection still has one; never throws.</summary>
    Task RollBackQuietlyAsync();
}

/// <summary>One statement of <see cref="ILoadExecutor.ExecuteBatchAsync"/>.</summary>
/// <param name="Sql">The statement (a single one), without a terminating semicolon.</param>
/// <param name="Parameters">Its bind parameters.</param>
/// <param name="ReturnsCounts">It returns one row of counts (bigint columns), as <see cref="ILoadExecutor.ReadCountsAsync"/> reads them.</param>
internal sealed record BatchedStatement(string Sql, IReadOnlyList<NpgsqlParameter> Parameters, bool ReturnsCounts);

/// <summary>What one statement of a batch did.</summary>
/// <param name="RecordsAffected">The rows it affected, as a statement run alone reports them.</param>
/// <param name="Counts">For a statement that returns counts, its row by column name; otherwise empty.</param>
internal sealed record StatementResult(int RecordsAffected, IReadOnlyDictionary<string, long> Counts);
