using Npgsql;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Reliability;

/// <summary>
/// The README's least-privilege script for Redshift: Redshift SQL by sqlfluff's parser, and, since every
/// statement in it is also PostgreSQL, run on the test server to show the loader may do each kind of
/// statement a Redshift load sends and the analyst only reads. What Redshift itself would say about
/// ownership and statistics is documented, not executed (no cluster here).
/// </summary>
public sealed class RedshiftPrivilegeTests
{
    private static string Script => Assert.Single(Readme.CodeBlocks("Security and reliability", "sql"), block => block.Contains("CREATE USER", StringComparison.Ordinal));

    [Fact]
    public async Task The_redshift_script_is_redshift_sql_and_grants_no_more_than_a_load_needs()
    {
        var script = Script;

        await Sqlfluff.AssertParsesAsync(script, statements: 12);
        Assert.Contains("ALTER TABLE staging_events OWNER TO sparkify_loader;", script, StringComparison.Ordinal);
        Assert.Contains("ALTER TABLE staging_songs OWNER TO sparkify_loader;", script, StringComparison.Ordinal);

        // Redshift has no CONNECT privilege and no CREATE ROLE ... LOGIN; the loader empties staging with
        // DELETE, so TRUNCATE is nowhere; nothing is granted wholesale.
        string[] absent = ["CONNECT", "CREATE ROLE", "TRUNCATE", "ALL TABLES", "ALL PRIVILEGES", "WITH GRANT OPTION", "staging_manifests", "CREATE ON SCHEMA public TO"];
        Assert.All(absent, word => Assert.DoesNotContain(word, script, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Under_the_redshift_script_the_loader_runs_each_kind_of_load_statement_and_changes_no_schema()
    {
        var owner = await MigratedDatabaseFixture.CreateAsync("rsgrants");
        var suffix = $"{Environment.ProcessId}_{Guid.NewGuid():N}"[..24];
        var (loaderRole, analystRole) = ($"rs_loader_{suffix}", $"rs_analyst_{suffix}");
        const string loaderPassword = "Loader-Pw-4c1d";
        const string analystPassword = "Analyst-Pw-8e2b";
        try
        {
            var database = new NpgsqlConnectionStringBuilder(owner).Database!;
            var script = Script
                .Replace("CREATE USER sparkify_loader PASSWORD '…'", $"CREATE USER sparkify_loader PASSWORD '{loaderPassword}'", StringComparison.Ordinal)
                .Replace("CREATE USER sparkify_analyst PASSWORD '…'", $"CREATE USER sparkify_analyst PASSWORD '{analystPassword}'", StringComparison.Ordinal)
                .Replace("ON DATABASE dwh ", $"ON DATABASE {database} ", StringComparison.Ordinal)
                .Replace("sparkify_loader", loaderRole, StringComparison.Ordinal)
                .Replace("sparkify_analyst", analystRole, StringComparison.Ordinal);
            Assert.DoesNotContain("'…'", script, StringComparison.Ordinal);
            await WarehouseDb.ExecuteAsync(owner, script);

            var loader = As(owner, loaderRole, loaderPassword);
            var analyst = As(owner, analystRole, analystPassword);

            // One statement of each kind the Redshift load sends, on every table it sends it to; the
            // "WHERE false" forms need the privileges without needing rows.
            string[] load =
            [
                .. RedshiftPlan().Where(sql => sql.StartsWith("LOCK ", StringComparison.Ordinal) || sql.StartsWith("DELETE FROM staging_", StringComparison.Ordinal)),
                "INSERT INTO staging_events SELECT * FROM staging_events WHERE false",
                "INSERT INTO staging_songs SELECT * FROM staging_songs WHERE false",
                "INSERT INTO songplays (start_time, user_id, session_id, item_in_session) SELECT start_time, user_id, session_id, item_in_session FROM songplays WHERE false",
                "INSERT INTO users SELECT * FROM users WHERE false", "UPDATE users SET level = level WHERE false",
                "INSERT INTO songs SELECT * FROM songs WHERE false",
                "INSERT INTO artists SELECT * FROM artists WHERE false", "UPDATE artists SET name = name WHERE false",
                "INSERT INTO \"time\" SELECT * FROM \"time\" WHERE false",
                "DELETE FROM songplays WHERE false", "DELETE FROM users WHERE false", "DELETE FROM songs WHERE false",
                "DELETE FROM artists WHERE false", "DELETE FROM \"time\" WHERE false",
                "INSERT INTO load_runs SELECT * FROM load_runs WHERE false", "UPDATE load_runs SET status = status WHERE false",
                "INSERT INTO load_errors SELECT * FROM load_errors WHERE false",
                "SELECT COUNT(*) FROM load_files", "INSERT INTO load_files SELECT * FROM load_files WHERE false", "DELETE FROM load_files WHERE false",
                "CREATE TEMP TABLE candidates AS SELECT 1 AS x",
            ];
            await using (var connection = new NpgsqlConnection(loader))
            {
                await connection.OpenAsync();
                await using var transaction = await connection.BeginTransactionAsync();
                foreach (var sql in load)
                {
                    await using var command = new NpgsqlCommand(sql, connection, transaction);
                    await command.ExecuteNonQueryAsync();
                }

                await transaction.CommitAsync();
            }

            // As the owner of staging, the loader's ANALYZE updates statistics instead of being skipped.
            var notices = new List<string>();
            await using (var connection = new NpgsqlConnection(loader))
            {
                connection.Notice += (_, e) => notices.Add(e.Notice.MessageText);
                await connection.OpenAsync();
                await using var analyze = new NpgsqlCommand("ANALYZE staging_events; ANALYZE staging_songs", connection);
                await analyze.ExecuteNonQueryAsync();
            }

            Assert.Empty(notices);

            foreach (var denied in new[] { "DROP TABLE users", "ALTER TABLE songplays ADD COLUMN x int", "CREATE TABLE public.mine (x int)", "TRUNCATE songplays", "DELETE FROM \"__EFMigrationsHistory\"" })
            {
                await AssertDeniedAsync(loader, denied);
            }

            Assert.Equal(0L, await WarehouseDb.ScalarAsync(analyst, "SELECT COUNT(*) FROM songplays p JOIN users u ON u.user_id = p.user_id JOIN songs s ON s.song_id = p.song_id JOIN artists a ON a.artist_id = p.artist_id JOIN \"time\" t ON t.start_time = p.start_time"));
            foreach (var denied in new[] { "SELECT COUNT(*) FROM staging_events", "SELECT COUNT(*) FROM load_runs", "DELETE FROM songplays", "INSERT INTO users SELECT * FROM users WHERE false" })
            {
                await AssertDeniedAsync(analyst, denied);
            }
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(owner);
            await using var admin = new NpgsqlConnection(await TestPostgres.GetAdminConnectionStringAsync());
            await admin.OpenAsync();
            foreach (var role in new[] { loaderRole, analystRole })
            {
                await using var drop = new NpgsqlCommand($"DROP ROLE IF EXISTS {role}", admin);
                await drop.ExecuteNonQueryAsync();
            }
        }
    }

    /// <summary>The statements a Redshift load would send, as <c>load --dry-run</c> prints them.</summary>
    private static IReadOnlyList<string> RedshiftPlan()
    {
        var plan = new WarehouseLoader(new WarehouseOptions { ConnectionString = "Host=dwh", Provider = WarehouseProvider.Redshift, IamRole = "arn:aws:iam::123456789012:role/dwhRole" })
            .Plan(new LoadRequest { SongsSource = "s3://bucket/song_data", EventsSource = "s3://bucket/log_data", JsonPathsSource = "s3://bucket/log_json_path.json" });
        Assert.Contains(plan, sql => sql.StartsWith("LOCK ", StringComparison.Ordinal));
        Assert.Equal(2, plan.Count(sql => sql.StartsWith("DELETE FROM staging_", StringComparison.Ordinal)));
        return plan;
    }

    private static string As(string connectionString, string role, string password)
        => new NpgsqlConnectionStringBuilder(connectionString) { Username = role, Password = password, Pooling = false }.ConnectionString;

    private static async Task AssertDeniedAsync(string connectionString, string sql)
    {
        var denied = await Assert.ThrowsAsync<PostgresException>(() => WarehouseDb.ExecuteAsync(connectionString, sql));
        Assert.True(denied.SqlState is PostgresErrorCodes.InsufficientPrivilege, $"{sql}: {denied.SqlState} {denied.MessageText}");
    }
}
