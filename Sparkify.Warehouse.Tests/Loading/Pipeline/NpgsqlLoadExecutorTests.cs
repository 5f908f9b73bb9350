using Npgsql;
using Sparkify.Warehouse.Loading.Pipeline;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Loading.Pipeline;

/// <summary>
/// A batch of a load's statements against a real PostgreSQL: each statement's own result, in order, and
/// the first failure stopping the rest, as statements sent one by one would behave.
/// </summary>
public sealed class NpgsqlLoadExecutorTests : IAsyncLifetime
{
    private string _connectionString = "";

    public async Task InitializeAsync() => _connectionString = await TestPostgres.CreateDatabaseAsync("batch");

    public Task DisposeAsync() => TestPostgres.DropDatabaseAsync(_connectionString);

    [Fact]
    public async Task A_batch_reports_each_statements_rows_and_the_counts_a_statement_returns()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var executor = new NpgsqlLoadExecutor(connection, owned: false);

        var results = await executor.ExecuteBatchAsync(
        [
            new("BEGIN", [], false),
            new("CREATE TEMP TABLE t (n integer)", [], false),
            new("INSERT INTO t SELECT generate_series(1, @last)", [new NpgsqlParameter("last", 5)], false),
            new("UPDATE t SET n = n * 10 WHERE n > 3", [], false),
            new("WITH d AS (DELETE FROM t WHERE n = 1 RETURNING 1) SELECT (SELECT COUNT(*) FROM d) AS deleted, (SELECT COUNT(*) FROM t) AS t", [], true),
            new("DELETE FROM t WHERE n < 0", [], false),
        ], CancellationToken.None);

        Assert.Equal(6, results.Count);
        Assert.Equal((5, 2, 0), (results[2].RecordsAffected, results[3].RecordsAffected, results[5].RecordsAffected));
        Assert.Equal(new Dictionary<string, long> { ["deleted"] = 1, ["t"] = 5 }, results[4].Counts);
        Assert.All(results.Where((_, i) => i != 4), r => Assert.Empty(r.Counts));

        // The transaction the batch began is still open: its rows are there until it ends.
        Assert.Equal(4L, await executor.ScalarAsync("SELECT COUNT(*) FROM t", [], CancellationToken.None));
        await executor.RollBackQuietlyAsync();
    }

    [Fact]
    public async Task The_first_failing_statement_stops_the_batch_and_nothing_after_it_runs()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        var sent = new List<string>();
        await using var executor = new NpgsqlLoadExecutor(connection, sent.Add, owned: false);
        await executor.ExecuteAsync("CREATE TABLE kept (n integer)", [], CancellationToken.None);

        var failure = await Assert.ThrowsAsync<PostgresException>(() => executor.ExecuteBatchAsync(
        [
            new("BEGIN", [], false),
            new("INSERT INTO kept VALUES (1)", [], false),
            new("INSERT INTO kept VALUES (1 / 0)", [], false),
            new("INSERT INTO kept VALUES (3)", [], false),
        ], CancellationToken.None));
        Assert.Equal(PostgresErrorCodes.DivisionByZero, failure.SqlState);
        await executor.RollBackQuietlyAsync();

        // Every statement was handed to the server (and told to the listener) in order; the table shows that
        // the one after the failure never ran and the rollback took back the one before it.
        Assert.Equal(["CREATE TABLE kept (n integer)", "BEGIN", "INSERT INTO kept VALUES (1)", "INSERT INTO kept VALUES (1 / 0)", "INSERT INTO kept VALUES (3)"], sent);
        Assert.Equal(0L, await executor.ScalarAsync("SELECT COUNT(*) FROM kept", [], CancellationToken.None));
    }
}
