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
    /// Starts a streaming <c>COPY ... FROM STDIN</c> and hands the open connection to
    /// <paramref name="copy"/>, which must send exactly <paramref name="sql"/> (PostgreSQL only).
    /// </summary>
    Task<T> CopyAsync<T>(string sql, Func<NpgsqlConnection, Task<T>> copy);

    /// <summary>Rolls back the open transaction, if the connection still has one; never throws.</summary>
    Task RollBackQuietlyAsync();
}
