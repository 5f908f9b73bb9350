using System.Data;
using Npgsql;

namespace Sparkify.Warehouse.Loading.Pipeline;

/// <summary>An <see cref="ILoadExecutor"/> over one open Npgsql connection (PostgreSQL and Redshift).</summary>
/// <param name="connection">The open connection; disposed with the executor when <paramref name="owned"/>.</param>
/// <param name="sent">Told each statement's text just before it is sent (tests capture a run with it).</param>
/// <param name="owned">Whether disposing the executor closes the connection.</param>
internal sealed class NpgsqlLoadExecutor(NpgsqlConnection connection, Action<string>? sent = null, bool owned = true) : ILoadExecutor
{
    public NpgsqlConnection Connection => connection;

    public async Task<int> ExecuteAsync(string sql, IReadOnlyList<NpgsqlParameter> parameters, CancellationToken cancellationToken)
    {
        await using var command = Command(sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<object?> ScalarAsync(string sql, IReadOnlyList<NpgsqlParameter> parameters, CancellationToken cancellationToken)
    {
        await using var command = Command(sql, parameters);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is DBNull ? null : value;
    }

    public async Task<IReadOnlyList<object?[]>> ReadRowsAsync(string sql, IReadOnlyList<NpgsqlParameter> parameters, CancellationToken cancellationToken)
    {
        await using var command = Command(sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<object?[]>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    public async Task<IReadOnlyDictionary<string, long>> ReadCountsAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = Command(sql, []);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await ReadCountsRowAsync(reader, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<StatementResult>> ExecuteBatchAsync(IReadOnlyList<BatchedStatement> statements, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(statements);
        var batch = new NpgsqlBatch(connection) { Timeout = 0 };
        await using (batch.ConfigureAwait(false))
        {
            foreach (var statement in statements)
            {
                sent?.Invoke(statement.Sql);
                var command = new NpgsqlBatchCommand(statement.Sql);
                foreach (var parameter in statement.Parameters)
                {
                    command.Parameters.Add(parameter);
                }

                batch.BatchCommands.Add(command);
            }

            // Only statements that return rows have a result set here; each is one that returns counts.
            var counts = new Queue<IReadOnlyDictionary<string, long>>();
            var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                do
                {
                    if (reader.FieldCount > 0)
                    {
                        counts.Enqueue(await ReadCountsRowAsync(reader, cancellationToken).ConfigureAwait(false));
                    }
                }
                while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));
            }

            return [.. statements.Select((statement, i) => new StatementResult(
                batch.BatchCommands[i].RecordsAffected,
                statement.ReturnsCounts ? counts.Dequeue() : new Dictionary<string, long>()))];
        }
    }

    public Task<T> CopyAsync<T>(string sql, Func<NpgsqlConnection, Task<T>> copy)
    {
        ArgumentNullException.ThrowIfNull(copy);
        sent?.Invoke(sql);
        return copy(connection);
    }

    public async Task RollBackQuietlyAsync()
    {
        if (connection.FullState != ConnectionState.Open)
        {
            // A broken connection's transaction died with it.
            return;
        }

        try
        {
            await using var command = new NpgsqlCommand("ROLLBACK", connection);
            await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
        {
            // Closing the connection ends the transaction just as well.
        }
    }

    public ValueTask DisposeAsync() => owned ? connection.DisposeAsync() : ValueTask.CompletedTask;

    private static async Task<IReadOnlyDictionary<string, long>> ReadCountsRowAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            for (var i = 0; i < reader.FieldCount; i++)
            {
                counts[reader.GetName(i)] = reader.GetInt64(i);
            }
        }

        return counts;
    }

    private NpgsqlCommand Command(string sql, IReadOnlyList<NpgsqlParameter> parameters)
    {
        sent?.Invoke(sql);
        var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter);
        }

        return command;
    }
}
