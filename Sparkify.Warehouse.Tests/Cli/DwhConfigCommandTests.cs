using Npgsql;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Cli;

/// <summary>
/// <c>sparkify --config dwh.cfg migrate</c> and <c>... load</c> doing what <c>create_tables.py</c> and
/// <c>etl.py</c> did, from a file in the seeds' format. No Redshift cluster is reachable here, so the
/// file names the tests' PostgreSQL server and <c>--provider postgres</c> overrides the Redshift the file
/// implies; its <c>[S3]</c> URIs are the seed's own, served by s3rver.
/// </summary>
public sealed class DwhConfigCommandTests(SparkifySampleInS3 s3) : IClassFixture<SparkifySampleInS3>, IDisposable
{
    private const string Password = "Pw-dwh-cfg-\u00e9%#;";
    private readonly string _folder = Directory.CreateTempSubdirectory("sparkify-dwhcfg-").FullName;

    [Fact]
    public async Task A_seed_dwh_cfg_alone_means_redshift_its_ddl_and_the_copy_etl_py_ran()
    {
        var config = WriteDwhCfg(new NpgsqlConnectionStringBuilder { Host = "dwhcluster.abc123.us-west-2.redshift.amazonaws.com", Port = 5439, Database = "dwh", Username = "dwhuser", Password = Password });

        var script = await CliRunner.RunAsync("--config", config, "migrate", "--script");
        var plan = await CliRunner.RunAsync("--config", config, "load", "--dry-run");

        Assert.True(script.ExitCode == 0, script.ToString());
        Assert.Contains("DISTSTYLE", script.Out, StringComparison.Ordinal);
        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.Contains("FROM 's3://udacity-dend/log_data'", plan.Out, StringComparison.Ordinal);
        Assert.Contains("FROM 's3://udacity-dend/song_data'", plan.Out, StringComparison.Ordinal);
        Assert.Contains("FORMAT AS JSON 's3://udacity-dend/log_json_path.json'", plan.Out, StringComparison.Ordinal);
        Assert.Contains("IAM_ROLE 'arn:aws:iam::123456789012:role/dwhRole'", plan.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("Pw-dwh-cfg", script.Out + script.Error + plan.Out + plan.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dwh_cfg_naming_a_postgres_server_migrates_and_loads_it_with_provider_postgres()
    {
        var database = await CreateDatabaseWithPasswordUserAsync();
        var config = WriteDwhCfg(database);

        var script = await CliRunner.RunAsync("--config", config, "migrate", "--script", "--provider", "postgres");
        var migrate = await CliRunner.RunAsync("--config", config, "migrate", "--provider", "postgres");
        var load = await CliRunner.RunAsync("--config", config, "load", "--provider", "postgres", "--s3-endpoint", s3.Server.ServiceUrl);

        Assert.True(script.ExitCode == 0, script.ToString());
        Assert.DoesNotContain("DISTSTYLE", script.Out, StringComparison.Ordinal);
        Assert.Contains("CREATE TABLE songplays", script.Out, StringComparison.Ordinal);
        Assert.True(migrate.ExitCode == 0, migrate.ToString());
        Assert.StartsWith($"Applied {TestEnvironment.MigrationCount} migration(s)", migrate.Out, StringComparison.Ordinal);
        Assert.True(load.ExitCode == 0, load.ToString());
        Assert.Matches(@"songplays inserted\s*│\s*6,820", load.Out);
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT (SELECT COUNT(*) FROM staging_events), (SELECT COUNT(*) FROM songplays), (SELECT string_agg(status, ',') FROM load_runs), (SELECT sources FROM load_runs)",
            connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal((8056L, 6820L, "succeeded"), (reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2)));
        Assert.Contains("s3://udacity-dend/log_data", reader.GetString(3), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Flags_beat_the_file_and_the_file_beats_the_environment()
    {
        var config = WriteDwhCfg(new NpgsqlConnectionStringBuilder { Host = "dwh.example.com", Database = "dwh", Username = "u", Password = Password });
        var environment = new Dictionary<string, string?> { ["Sparkify__IamRole"] = "arn:aws:iam::999999999999:role/fromEnvironment", ["SPARKIFY_CONNECTION"] = null };

        var fromFile = await SparkifyProcess.RunAsync(environment, "--config", config, "load", "--dry-run");
        var fromFlag = await SparkifyProcess.RunAsync(environment, "--config", config, "load", "--dry-run", "--iam-role", "arn:aws:iam::111111111111:role/fromFlag");

        Assert.True(fromFile.ExitCode == 0, fromFile.ToString());
        Assert.Contains("IAM_ROLE 'arn:aws:iam::123456789012:role/dwhRole'", fromFile.Out, StringComparison.Ordinal);
        Assert.True(fromFlag.ExitCode == 0, fromFlag.ToString());
        Assert.Contains("IAM_ROLE 'arn:aws:iam::111111111111:role/fromFlag'", fromFlag.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("fromEnvironment", fromFile.Out + fromFlag.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_dwh_cfg_stops_before_anything_with_exit_code_2()
    {
        var config = Path.Combine(_folder, "broken.cfg");
        await File.WriteAllTextAsync(config, "[CLUSTER]\nHOST=dwh.example.com\nDB_NAME=dwh\nDB_USER=u\nDB_PASSWORD=" + Password + "\nDB_PORT=fifty\n");

        var result = await CliRunner.RunAsync("--config", config, "migrate", "--script");

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Out);
        Assert.Equal($"error: --config {config}: [CLUSTER] DB_PORT is not a port number (1 to 65535).", result.Error.Trim());
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A database on the tests' server owned by a login user with a password, as a cluster's master user is.</summary>
    private static async Task<NpgsqlConnectionStringBuilder> CreateDatabaseWithPasswordUserAsync()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("dwhcfg");
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var user = "dwh_" + builder.Database;
        await using (var connection = new NpgsqlConnection(await TestPostgres.GetAdminConnectionStringAsync()))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE ROLE \"{user}\" LOGIN PASSWORD '{Password.Replace("'", "''", StringComparison.Ordinal)}'; ALTER DATABASE \"{builder.Database}\" OWNER TO \"{user}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder { Host = builder.Host, Port = builder.Port, Database = builder.Database, Username = user, Password = Password };
    }

    private string WriteDwhCfg(NpgsqlConnectionStringBuilder cluster)
    {
        var path = Path.Combine(_folder, $"dwh-{Guid.NewGuid():N}.cfg");
        File.WriteAllText(path, SeedDwhConfig.Text(cluster));
        return path;
    }
}
