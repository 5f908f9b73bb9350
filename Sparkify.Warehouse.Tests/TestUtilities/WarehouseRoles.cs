using Npgsql;

namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>Which least-privilege role to create.</summary>
internal enum WarehouseRole
{
    /// <summary>Runs <c>sparkify load</c>: writes staging, star and audit tables; no DDL.</summary>
    Loader,

    /// <summary>Runs queries: reads the star tables and nothing else.</summary>
    Analyst,
}

/// <summary>
/// Login roles with exactly the privileges the README's "Security and reliability" section grants
/// (<see cref="GrantSql"/> is that text), so tests prove those GRANTs are enough, and no more than needed.
/// </summary>
internal sealed class WarehouseRoles : IAsyncDisposable
{
    private static int _counter;
    private readonly List<string> _roles = [];

    /// <summary>
    /// The GRANT statements for one database, run by the owner of its tables (the role that runs
    /// <c>sparkify migrate</c>). <c>{database}</c>, <c>{loader}</c> and <c>{analyst}</c> are the names.
    /// </summary>
    public const string GrantSql =
        """
        REVOKE CREATE ON SCHEMA public FROM PUBLIC;
        GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {loader};
        GRANT CONNECT ON DATABASE {database} TO {analyst};
        GRANT USAGE ON SCHEMA public TO {loader}, {analyst};
        GRANT SELECT, INSERT, DELETE, TRUNCATE ON staging_events, staging_songs TO {loader};
        GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON songplays, users, songs, artists, "time" TO {loader};
        GRANT SELECT, INSERT, UPDATE ON load_runs TO {loader};
        GRANT SELECT, INSERT ON load_errors TO {loader};
        GRANT SELECT, INSERT, DELETE ON load_files TO {loader};
        GRANT SELECT ON songplays, users, songs, artists, "time" TO {analyst};
        """;

    /// <summary>
    /// Creates a loader and an analyst role for the migrated database of <paramref name="connectionString"/>
    /// with <see cref="GrantSql"/>; returns each role's connection string, with its password.
    /// </summary>
    public async Task<(string Loader, string Analyst)> CreateAsync(string connectionString, string loaderPassword, string analystPassword)
    {
        var suffix = $"{Environment.ProcessId}_{Interlocked.Increment(ref _counter)}";
        var loader = $"sparkify_loader_{suffix}";
        var analyst = $"sparkify_analyst_{suffix}";
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await using (var admin = new NpgsqlConnection(connectionString))
        {
            await admin.OpenAsync();
            foreach (var (role, password) in new[] { (loader, loaderPassword), (analyst, analystPassword) })
            {
                // CREATE ROLE takes no bind parameters; the test passwords are plain ASCII without quotes.
                Assert.DoesNotContain('\'', password);
                await using var create = new NpgsqlCommand($"CREATE ROLE {role} LOGIN PASSWORD '{password}'", admin);
                await create.ExecuteNonQueryAsync();
                _roles.Add(role);
            }

            await using var grant = new NpgsqlCommand(GrantSql.Replace("{database}", database, StringComparison.Ordinal)
                .Replace("{loader}", loader, StringComparison.Ordinal).Replace("{analyst}", analyst, StringComparison.Ordinal), admin);
            await grant.ExecuteNonQueryAsync();
        }

        string As(string role, string password) => new NpgsqlConnectionStringBuilder(connectionString) { Username = role, Password = password, Pooling = false }.ConnectionString;
        return (As(loader, loaderPassword), As(analyst, analystPassword));
    }

    public async ValueTask DisposeAsync()
    {
        if (_roles.Count == 0)
        {
            return;
        }

        // Roles belong to the server, not the database: drop them so a shared test server stays clean.
        await using var admin = new NpgsqlConnection(await TestPostgres.GetAdminConnectionStringAsync());
        await admin.OpenAsync();
        foreach (var role in _roles)
        {
            await using var drop = new NpgsqlCommand($"DROP ROLE IF EXISTS {role}", admin);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
