using Npgsql;
using Sparkify.Warehouse.Checks;
using Sparkify.Warehouse.Cli.Benchmarks;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Cli;

/// <summary>
/// The statements the bench hands to psql for <c>sparkify check</c> are the ones the checks send: every check of the
/// star tables, the last successful run, the counts and every check of staging, in the order the checks run them.
/// </summary>
public sealed class CheckStatementsTests(SampleWarehouseFixture sample) : IClassFixture<SampleWarehouseFixture>
{
    [Fact]
    public async Task The_benchs_check_statements_are_what_the_checks_send_in_order()
    {
        var statements = await QueryProcesses.CheckStatementsAsync(sample.ConnectionString, CancellationToken.None);

        var star = WarehouseChecks.StarChecks.Select(c => c.Sql).ToList();
        var staging = WarehouseChecks.StagingChecks.Select(c => c.Sql).ToList();
        Assert.Equal(star.Count + 2 + staging.Count, statements.Count);
        Assert.Equal(star, statements.Take(star.Count));
        Assert.Contains("FROM load_runs", statements[star.Count], StringComparison.Ordinal);
        Assert.Equal(WarehouseChecks.CountsSql, statements[star.Count + 1]);
        Assert.Equal(staging, statements.Skip(star.Count + 2));

        // Each runs on its own, as psql runs the file: no parameters left to bind.
        await using var connection = new NpgsqlConnection(sample.ConnectionString);
        await connection.OpenAsync();
        foreach (var sql in statements)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync(), sql);
        }
    }
}
