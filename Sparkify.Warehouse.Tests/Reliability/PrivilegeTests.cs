using Npgsql;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Tests.TestUtilities;
using static Sparkify.Warehouse.Tests.TestUtilities.StarTables;

namespace Sparkify.Warehouse.Tests.Reliability;

/// <summary>
/// Issue 6, item 6: the least-privilege GRANTs the README documents (<see cref="WarehouseRoles.GrantSql"/>)
/// are enough for a loader to load and an analyst to read, and no more: neither can change the schema,
/// and an analyst cannot write.
/// </summary>
public sealed class PrivilegeTests
{
    [Fact]
    public async Task The_documented_loader_grants_suffice_for_loads_and_allow_no_schema_changes()
    {
        await using var roles = new WarehouseRoles();
        var owner = await MigratedDatabaseFixture.CreateAsync("grants");
        try
        {
            var (loader, analyst) = await roles.CreateAsync(owner, "loader-pw-51c8", "analyst-pw-0e3d");

            var load = await SparkifyProcess.RunAsync(new Dictionary<string, string?> { ["SPARKIFY_CONNECTION"] = loader }, "load", "--songs", TestEnvironment.SampleSongs, "--events", TestEnvironment.SampleLogs);
            var badInput = BadInput.Write();
            var badLoad = await SparkifyProcess.RunAsync(new Dictionary<string, string?> { ["SPARKIFY_CONNECTION"] = loader }, "load", "--songs", TestEnvironment.SampleSongs, "--events", badInput);
            Directory.Delete(badInput, recursive: true);

            Assert.True(load.ExitCode == 0, load.ToString());
            AssertStar(SampleStars.Full, await ReadStarAsync(owner));
            Assert.Equal(1, badLoad.ExitCode);
            Assert.Equal([LoadRunStatus.Succeeded, LoadRunStatus.Failed], (await WarehouseDb.RunsAsync(owner)).Select(r => r.Status));
            Assert.Equal(6820L, await WarehouseDb.ScalarAsync(analyst, "SELECT COUNT(*) FROM songplays"));

            foreach (var ddl in new[] { "DROP TABLE users", "ALTER TABLE songplays ADD COLUMN x int", "CREATE TABLE public.mine (x int)", "DELETE FROM \"__EFMigrationsHistory\"" })
            {
                await AssertDeniedAsync(loader, ddl);
            }
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(owner);
        }
    }

    [Fact]
    public async Task An_analyst_reads_the_star_tables_but_cannot_load_or_write()
    {
        await using var roles = new WarehouseRoles();
        var owner = await MigratedDatabaseFixture.CreateAsync("analyst");
        try
        {
            var (_, analyst) = await roles.CreateAsync(owner, "loader-pw-77aa", "analyst-pw-19fe");

            var load = await SparkifyProcess.RunAsync(new Dictionary<string, string?> { ["SPARKIFY_CONNECTION"] = analyst }, "load", "--songs", TestEnvironment.SampleSongs, "--events", TestEnvironment.SampleLogs);

            Assert.Equal(1, load.ExitCode);
            Assert.Contains("error: the database said: permission denied for table load_runs (SQLSTATE 42501)", load.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", load.Error, StringComparison.Ordinal);
            Assert.Equal(0L, await WarehouseDb.ScalarAsync(analyst, "SELECT COUNT(*) FROM songplays"));
            foreach (var write in new[] { "DELETE FROM songplays", "UPDATE users SET level = 'paid'", "INSERT INTO load_runs (run_id) VALUES ('x')", "TRUNCATE staging_events", "SELECT COUNT(*) FROM staging_events" })
            {
                await AssertDeniedAsync(analyst, write);
            }
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(owner);
        }
    }

    private static async Task AssertDeniedAsync(string connectionString, string sql)
    {
        var denied = await Assert.ThrowsAsync<PostgresException>(() => WarehouseDb.ExecuteAsync(connectionString, sql));
        Assert.True(denied.SqlState is PostgresErrorCodes.InsufficientPrivilege, $"{sql}: {denied.SqlState} {denied.MessageText}");
    }
}
