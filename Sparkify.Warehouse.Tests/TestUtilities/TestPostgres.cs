using Npgsql;
using Sparkify.Warehouse.LocalServer;

namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>
/// The one PostgreSQL server of a test run. <c>SPARKIFY_TEST_CONNECTION</c> names an existing server
/// (its user must be allowed to create databases); otherwise the run starts a throwaway private
/// server and removes it when the test process exits. Each test class gets its own database, so
/// classes run in parallel without seeing each other's rows.
/// </summary>
internal static class TestPostgres
{
    private static readonly Lazy<Task<string>> AdminConnection = new(StartAsync);
    private static int _databaseCounter;

    public static Task<string> GetAdminConnectionStringAsync() => AdminConnection.Value;

    /// <summary>Creates an empty database and returns its connection string.</summary>
    /// <param name="prefix">Start of the database name.</param>
    /// <param name="icuLocale">
    /// An ICU locale (e.g. <c>en-US</c>) to make the database's default collation a linguistic one,
    /// for tests that must hold whatever the collation; null keeps the server's default.
    /// </param>
    public static async Task<string> CreateDatabaseAsync(string prefix, string? icuLocale = null)
    {
        var admin = await GetAdminConnectionStringAsync();
        var name = $"{prefix}_{Environment.ProcessId}_{Interlocked.Increment(ref _databaseCounter)}".ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
            var collation = icuLocale is null ? "" : $" TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C' LOCALE_PROVIDER icu ICU_LOCALE '{icuLocale}'";
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"{collation}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = true }.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/>, closing its connections.</summary>
    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(await GetAdminConnectionStringAsync());
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    private const string HomePrefix = "sparkify-tests-";

    /// <summary>
    /// Stops and removes the servers of earlier test runs whose process is gone: the test host can be
    /// ended before its exit handlers finish, which would otherwise leave a postmaster behind.
    /// </summary>
    private static async Task RemoveAbandonedServersAsync()
    {
        foreach (var home in Directory.GetDirectories(Path.GetTempPath(), HomePrefix + "*"))
        {
            // This process starts its server once, after this sweep, so a home named for its own pid is a
            // leftover of an earlier process that had the same pid.
            if (int.TryParse(Path.GetFileName(home)[HomePrefix.Length..], out var pid) && (pid == Environment.ProcessId || !Directory.Exists($"/proc/{pid}")))
            {
                try
                {
                    await new LocalPostgresServer(home).DeleteAsync();
                }
                catch (IOException)
                {
                    // Another test process sweeping at the same moment removed it first.
                }
            }
        }
    }

    private static async Task<string> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("SPARKIFY_TEST_CONNECTION") is { Length: > 0 } existing)
        {
            return existing;
        }

        await RemoveAbandonedServersAsync();

        // The same component the CLI uses for its embedded default, in a throwaway home.
        var server = new LocalPostgresServer(Path.Combine(Path.GetTempPath(), $"{HomePrefix}{Environment.ProcessId}"));
        var connectionString = await server.StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DeleteAsync().GetAwaiter().GetResult();
        return new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres" }.ConnectionString;
    }
}
