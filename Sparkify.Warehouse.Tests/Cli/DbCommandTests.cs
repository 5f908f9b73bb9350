using Npgsql;
using Sparkify.Warehouse.LocalServer;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Cli;

public sealed class DbCommandTests
{
    [Fact]
    public async Task Db_start_twice_reuses_the_server_a_later_run_finds_it_and_stop_stops_it()
    {
        var home = Path.Combine(Path.GetTempPath(), $"sparkify-dbcmd-{Guid.NewGuid():N}");
        var environment = new Dictionary<string, string?> { ["SPARKIFY_HOME"] = home, ["SPARKIFY_CONNECTION"] = null };
        try
        {
            var first = await SparkifyProcess.RunAsync(environment, "db", "start");
            var second = await SparkifyProcess.RunAsync(environment, "db", "start");
            Assert.True(first.ExitCode == 0, first.ToString());
            Assert.True(second.ExitCode == 0, second.ToString());
            Assert.Equal(first.Out, second.Out);
            var pid = File.ReadLines(Path.Combine(home, "pgdata", "postmaster.pid")).First();

            // A separate run with no connection configured uses that same server.
            var migrate = await SparkifyProcess.RunAsync(environment, "migrate");
            Assert.True(migrate.ExitCode == 0, migrate.ToString());
            Assert.Equal(pid, File.ReadLines(Path.Combine(home, "pgdata", "postmaster.pid")).First());
            var status = await SparkifyProcess.RunAsync(environment, "db", "status");
            Assert.Equal(0, status.ExitCode);
            Assert.StartsWith("running on 127.0.0.1:", status.Out, StringComparison.Ordinal);

            var connectionString = await new LocalPostgresServer(home).StartAsync();
            await using (var connection = new NpgsqlConnection(connectionString))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT count(*) FROM \"__EFMigrationsHistory\"", connection);
                Assert.Equal((long)TestEnvironment.MigrationCount, await command.ExecuteScalarAsync());
            }

            var stop = await SparkifyProcess.RunAsync(environment, "db", "stop");
            Assert.True(stop.ExitCode == 0, stop.ToString());
            var stopped = await SparkifyProcess.RunAsync(environment, "db", "status");
            Assert.Equal(1, stopped.ExitCode);
            Assert.StartsWith("not running", stopped.Out, StringComparison.Ordinal);
            await using var refused = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => refused.OpenAsync());
        }
        finally
        {
            await new LocalPostgresServer(home).DeleteAsync();
        }
    }
}
