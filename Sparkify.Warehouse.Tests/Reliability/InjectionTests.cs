using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Reliability;

/// <summary>
/// Issue 6, item 4: no value a user passes changes the SQL that is sent. Values that end up inside SQL
/// text (Redshift COPY's S3 URIs, role, region) are validated and hostile ones refused with a message
/// (<c>WarehouseLoaderTests.Redshift_load_refuses_hostile_or_local_values_before_any_sql</c>);
/// values that reach PostgreSQL as data (sources, paths) go as bind parameters or COPY data; values
/// that never reach SQL (endpoint, connection string, migration name) are checked where they are used.
/// </summary>
public sealed class InjectionTests(MigratedDatabaseFixture database) : IClassFixture<MigratedDatabaseFixture>
{
    private const string DropUsers = "'; DROP TABLE users; --";

    [Theory]
    [InlineData("garbage")]
    [InlineData("Host=127.0.0.1;Port=5432; DROP TABLE users")]
    [InlineData("Host=127.0.0.1;Port=notaport;Password=Hunter2-7f3c")]
    [InlineData("Host=127.0.0.1;NoSuchKeyword=1;Password=Hunter2-7f3c")]
    [InlineData("Host=127.0.0.1;SSL Mode=Hunter2-7f3c")]
    public async Task A_malformed_connection_string_is_refused_with_a_usage_error_that_does_not_echo_it(string connection)
    {
        foreach (var command in new[] { new[] { "load", "--songs", TestEnvironment.SampleSongs, "--events", TestEnvironment.SampleLogs }, ["migrate"] })
        {
            var cli = await CliRunner.RunAsync([.. command, "--connection", connection]);

            Assert.Equal(2, cli.ExitCode);
            Assert.StartsWith("error: Sparkify:ConnectionString is not a valid Npgsql connection string: ", cli.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("Hunter2", cli.Error + cli.Out, StringComparison.Ordinal);
            Assert.DoesNotContain("DROP", cli.Error + cli.Out, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", cli.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Hostile_text_in_local_source_names_reaches_PostgreSQL_only_as_data()
    {
        var root = Directory.CreateTempSubdirectory("sparkify-hostile-").FullName;
        try
        {
            // A real folder whose name is an injection attempt, holding the real song data.
            var songs = Directory.CreateDirectory(Path.Combine(root, "songs'); CREATE TABLE pwned (x int); --")).FullName;
            foreach (var file in Directory.GetFiles(TestEnvironment.SampleSongs, "*.json", SearchOption.AllDirectories))
            {
                File.Copy(file, Path.Combine(songs, Path.GetFileName(file)));
            }

            var missing = Path.Combine(root, "events" + DropUsers);
            var refused = await CliRunner.RunAsync("load", "--connection", database.ConnectionString, "--songs", songs, "--events", missing);
            var loaded = await CliRunner.RunAsync("load", "--connection", database.ConnectionString, "--songs", songs, "--events", TestEnvironment.SampleLogs);

            Assert.Equal(1, refused.ExitCode);
            Assert.Contains($"Source '{missing}' does not exist", refused.Error, StringComparison.Ordinal);
            Assert.True(loaded.ExitCode == 0, loaded.ToString());
            Assert.Equal(0L, await WarehouseDb.ScalarAsync(database.ConnectionString, "SELECT COUNT(*) FROM pg_tables WHERE tablename = 'pwned'"));
            Assert.Equal(6820L, await WarehouseDb.ScalarAsync(database.ConnectionString, "SELECT COUNT(*) FROM songplays"));
            var runs = await WarehouseDb.RunsAsync(database.ConnectionString);
            Assert.Equal([$"songs: {songs}\nevents: {missing}", $"songs: {songs}\nevents: {TestEnvironment.SampleLogs}"], runs.Select(r => r.Sources));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task A_dry_run_keeps_a_hostile_source_inside_its_comment()
    {
        var cli = await CliRunner.RunAsync("load", "--dry-run", "--songs", "/data/songs\nDROP TABLE users; --", "--events", "/data/events\r\nTRUNCATE songplays");

        Assert.True(cli.ExitCode == 0, cli.ToString());
        var code = WithoutLiteralsAndComments(cli.Out);
        Assert.DoesNotContain("DROP TABLE users", code, StringComparison.Ordinal);
        Assert.DoesNotContain("TRUNCATE songplays", code, StringComparison.Ordinal);
        Assert.Contains("-- rows from '/data/songs\\u000aDROP TABLE users; --'", cli.Out, StringComparison.Ordinal);
    }

    /// <summary>The SQL that would execute: string literals (with '' escapes) and -- comments removed.</summary>
    private static string WithoutLiteralsAndComments(string sql)
    {
        var code = new System.Text.StringBuilder();
        for (var i = 0; i < sql.Length; i++)
        {
            if (sql[i] == '\'')
            {
                do
                {
                    i = sql.IndexOf('\'', i + 1);
                    Assert.True(i >= 0, "unterminated string literal");
                }
                while (i + 1 < sql.Length && sql[i + 1] == '\'' && ++i > 0);
            }
            else if (sql[i] == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                i = sql.IndexOf('\n', i) is var end and >= 0 ? end : sql.Length;
                code.Append('\n');
            }
            else
            {
                code.Append(sql[i]);
            }
        }

        return code.ToString();
    }

    [Theory]
    [InlineData("top-songs", "--level", "paid' OR '1'='1")]
    [InlineData("top-songs", "--from", "2018-11-01'; DROP TABLE users; --")]
    [InlineData("top-songs", "--to", "now() --")]
    [InlineData("top-songs", "--limit", "1; DROP TABLE users")]
    [InlineData("user-history", "--user-id", "8 OR 1=1")]
    [InlineData("top-songs; DROP TABLE users", "--format", "json")]
    [InlineData("top-songs", "--format", "json'); DROP TABLE users; --")]
    public async Task A_hostile_query_parameter_is_refused_with_a_message_and_changes_nothing(string query, string option, string value)
    {
        var cli = await CliRunner.RunAsync("query", query, option, value, "--connection", database.ConnectionString);

        Assert.Equal(2, cli.ExitCode);
        Assert.Empty(cli.Out);
        Assert.StartsWith("error: ", cli.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", cli.Error, StringComparison.Ordinal);
        Assert.Equal(1L, await WarehouseDb.ScalarAsync(database.ConnectionString, "SELECT COUNT(*) FROM pg_tables WHERE tablename = 'users'"));
    }

    [Fact]
    public async Task A_hostile_migration_name_is_refused_and_changes_nothing()
    {
        var cli = await CliRunner.RunAsync("migrate", "--connection", database.ConnectionString, "--target", DropUsers);

        Assert.Equal(1, cli.ExitCode);
        Assert.Equal($"error: The migration '{DropUsers}' was not found.", cli.Error.Trim());
        Assert.Equal(1L, await WarehouseDb.ScalarAsync(database.ConnectionString, "SELECT COUNT(*) FROM pg_tables WHERE tablename = 'users'"));
    }
}
