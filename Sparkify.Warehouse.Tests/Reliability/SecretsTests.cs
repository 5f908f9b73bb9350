using System.Runtime.Versioning;
using Npgsql;
using Sparkify.Warehouse.Cli;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Reliability;

/// <summary>
/// Issue 6, item 5: distinctive fake secrets (a database password, an AWS secret key and session token,
/// a password in an S3 endpoint URL) go into succeeding and failing runs of the real <c>sparkify</c>
/// process with <c>--verbose</c>; none appears on stdout, stderr (logs included), in
/// <c>load_runs</c>, <c>load_errors</c>, or in a migration script. A config file holding a password
/// that other users can read earns a warning.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class SecretsTests(SparkifySampleInS3 s3) : IClassFixture<SparkifySampleInS3>
{
    private const string DbPassword = "DbPw-3b9e71-secret";
    private const string AwsSecretKey = "AwsSecretKey-8c21f0-secret";
    private const string AwsSessionToken = "AwsSessionToken-51ad9e-secret";
    private const string UrlPassword = "UrlPw-6e0c44-secret";

    private static readonly string[] Secrets = [DbPassword, AwsSecretKey, AwsSessionToken, UrlPassword];

    [Fact]
    public async Task A_database_password_never_appears_in_output_logs_audit_tables_or_scripts()
    {
        await using var roles = new WarehouseRoles();
        var owner = await MigratedDatabaseFixture.CreateAsync("pwsecret");
        var badInput = BadInput.Write();
        try
        {
            var (loader, _) = await roles.CreateAsync(owner, DbPassword, "analyst-pw-4410");
            var unreachable = new NpgsqlConnectionStringBuilder(loader) { Port = 1, Timeout = 2 }.ConnectionString;
            var wrongPassword = new NpgsqlConnectionStringBuilder(loader) { Password = DbPassword + "-wrong" }.ConnectionString;
            var sample = new[] { "--songs", TestEnvironment.SampleSongs, "--events", TestEnvironment.SampleLogs };

            var runs = new List<(string What, CliResult Result, int ExpectedExit)>
            {
                ("load succeeds", await Sparkify([], ["load", "--verbose", "--connection", loader, .. sample]), 0),
                ("load from SPARKIFY_CONNECTION", await Sparkify(new() { ["SPARKIFY_CONNECTION"] = loader }, ["load", "--verbose", .. sample]), 0),
                ("load rejects too much", await Sparkify([], ["load", "--verbose", "--connection", loader, "--songs", TestEnvironment.SampleSongs, "--events", badInput]), 1),
                ("wrong password", await Sparkify([], ["load", "--verbose", "--connection", wrongPassword, .. sample]), 1),
                ("server unreachable", await Sparkify([], ["load", "--verbose", "--connection", unreachable, .. sample]), 1),
                ("malformed", await Sparkify([], ["load", "--verbose", "--connection", $"Host=127.0.0.1;Port=x;Password={DbPassword}", .. sample]), 2),
                ("migrate without DDL rights", await Sparkify([], ["migrate", "--verbose", "--connection", loader]), 1),
                ("migrate --script", await Sparkify([], ["migrate", "--script", "--verbose", "--connection", loader]), 0),
                ("load --dry-run", await Sparkify(new() { ["SPARKIFY_CONNECTION"] = loader }, ["load", "--dry-run", "--verbose", .. sample]), 0),
            };

            Assert.All(runs, run =>
            {
                Assert.True(run.Result.ExitCode == run.ExpectedExit, $"{run.What}: {run.Result}");
                AssertNoSecret(run.What, run.Result.Out + run.Result.Error);
            });
            Assert.Contains("CREATE TABLE", runs[^2].Result.Out, StringComparison.Ordinal);
            await AssertAuditTablesHoldNoSecretAsync(owner, expectedRuns: 3);
        }
        finally
        {
            Directory.Delete(badInput, recursive: true);
            await TestPostgres.DropDatabaseAsync(owner);
        }
    }

    [Fact]
    public async Task AWS_keys_tokens_and_endpoint_passwords_never_appear_in_output_logs_or_audit_tables()
    {
        var connectionString = await MigratedDatabaseFixture.CreateAsync("awssecret");
        var s3Sample = new[]
        {
            "--songs", $"s3://{SparkifySampleInS3.Bucket}/song_data/", "--events", $"s3://{SparkifySampleInS3.Bucket}/log_data/",
            "--jsonpaths", $"s3://{SparkifySampleInS3.Bucket}/log_json_path.json",
        };
        var signed = new Dictionary<string, string?>
        {
            ["SPARKIFY_CONNECTION"] = connectionString,
            ["Sparkify__S3__Anonymous"] = "false",
            ["Sparkify__S3__ServiceUrl"] = s3.Server.ServiceUrl,

            // s3rver knows one access key id (S3RVER) and does not verify SigV4 signatures, so any secret signs.
            ["AWS_ACCESS_KEY_ID"] = "S3RVER",
            ["AWS_SECRET_ACCESS_KEY"] = AwsSecretKey,
            ["AWS_SESSION_TOKEN"] = AwsSessionToken,
            ["AWS_EC2_METADATA_DISABLED"] = "true",
        };
        var userInfo = new Uri(s3.Server.ServiceUrl) is var uri ? $"http://sparkify:{UrlPassword}@{uri.Authority}" : "";

        var runs = new List<(string What, CliResult Result, int ExpectedExit)>
        {
            ("signed load succeeds", await Sparkify(signed, ["load", "--verbose", .. s3Sample]), 0),
            ("unknown access key", await Sparkify(new(signed) { ["AWS_ACCESS_KEY_ID"] = "AKIAFAKEFAKEFAKEFAKE" }, ["load", "--verbose", .. s3Sample]), 1),
            ("password in --s3-endpoint", await Sparkify(signed, ["load", "--verbose", "--s3-endpoint", userInfo, .. s3Sample]), 2),
            ("password in Sparkify:S3:ServiceUrl", await Sparkify(new(signed) { ["Sparkify__S3__ServiceUrl"] = userInfo }, ["load", "--verbose", .. s3Sample]), 2),
        };

        Assert.All(runs, run =>
        {
            Assert.True(run.Result.ExitCode == run.ExpectedExit, $"{run.What}: {run.Result}");
            AssertNoSecret(run.What, run.Result.Out + run.Result.Error);
        });
        Assert.Contains("S3 rejected the AWS credentials (InvalidAccessKeyId)", runs[1].Result.Error, StringComparison.Ordinal);
        Assert.Contains("ServiceUrl is not the root URL", runs[2].Result.Error, StringComparison.Ordinal);
        await AssertAuditTablesHoldNoSecretAsync(connectionString, expectedRuns: 2);
    }

    [Fact]
    public async Task A_config_file_with_a_password_that_other_users_can_read_earns_a_warning_naming_the_file_not_the_secret()
    {
        var home = Directory.CreateTempSubdirectory("sparkify-home-").FullName;
        try
        {
            var folder = Directory.CreateDirectory(Path.Combine(home, ".microsoft", "usersecrets", "sparkify-warehouse-cli")).FullName;
            var secrets = Path.Combine(folder, "secrets.json");
            await File.WriteAllTextAsync(secrets, $$"""{ "ConnectionStrings": { "Warehouse": "Host=127.0.0.1;Username=sparkify;Password={{DbPassword}}" } }""");
            var environment = new Dictionary<string, string?> { ["HOME"] = home };

            File.SetUnixFileMode(secrets, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            var loose = await SparkifyProcess.RunAsync(environment, "migrate", "--script");
            File.SetUnixFileMode(secrets, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var tight = await SparkifyProcess.RunAsync(environment, "migrate", "--script");

            Assert.True(loose.ExitCode == 0, loose.ToString());
            Assert.Contains($"{secrets} holds a password or secret and other users can read it (mode 0644); restrict it with: chmod 600 {secrets}", loose.Error, StringComparison.Ordinal);
            AssertNoSecret("loose", loose.Out + loose.Error);
            Assert.True(tight.ExitCode == 0, tight.ToString());
            Assert.DoesNotContain("other users can read it", tight.Error, StringComparison.Ordinal);

            // The same for a dwh.cfg given with --config.
            var dwhConfig = Path.Combine(home, "dwh.cfg");
            await File.WriteAllTextAsync(dwhConfig, SeedDwhConfig.Text(new NpgsqlConnectionStringBuilder("Host=dwh.example.com;Port=5439;Database=dwh;Username=u") { Password = DbPassword }));
            File.SetUnixFileMode(dwhConfig, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
            var cfg = await SparkifyProcess.RunAsync(environment, "migrate", "--script", "--config", dwhConfig);
            Assert.True(cfg.ExitCode == 0, cfg.ToString());
            Assert.Contains($"{dwhConfig} holds a password or secret and other users can read it (mode 0640)", cfg.Error, StringComparison.Ordinal);
            AssertNoSecret("dwh.cfg", cfg.Out + cfg.Error);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Theory]
    [InlineData("""{ "ConnectionStrings": { "Warehouse": "Host=h;Password=x" } }""", true)]
    [InlineData("""{ "Sparkify": { "Password": "x" } }""", true)]
    [InlineData("[CLUSTER]\nHOST=h\nDB_PASSWORD=x\n", true)]
    [InlineData("[AWS]\nKEY=AKIA\nSECRET = x\n", true)]
    [InlineData("aws_session_token=x", true)]
    [InlineData("""{ "Logging": { "LogLevel": { "Default": "Warning" } } }""", false)]
    [InlineData("[CLUSTER]\nDB_PASSWORD=\n", false)]
    [InlineData("""{ "ConnectionStrings": { "Warehouse": "Host=h;Username=u" } }""", false)]
    public async Task SecretFilePermissions_warns_only_for_a_readable_file_that_assigns_a_secret(string content, bool holdsSecret)
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, content);
            var logger = new WarningLog<SecretsTests>();

            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
            Assert.Equal(holdsSecret, SecretFilePermissions.Check(path, logger));
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Assert.False(SecretFilePermissions.Check(path, logger));

            Assert.Equal(holdsSecret ? 1 : 0, logger.Warnings.Count);
            Assert.All(logger.Warnings, w => Assert.DoesNotContain("=x", w, StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static Task<CliResult> Sparkify(Dictionary<string, string?> environment, string[] args) => SparkifyProcess.RunAsync(environment, args);

    private static void AssertNoSecret(string what, string text)
    {
        foreach (var secret in Secrets)
        {
            Assert.False(text.Contains(secret, StringComparison.Ordinal), $"{what}: the secret {secret} leaked:\n{text}");
        }
    }

    private static async Task AssertAuditTablesHoldNoSecretAsync(string connectionString, int expectedRuns)
    {
        var runs = await WarehouseDb.RowsAsync(connectionString, "SELECT t::text FROM load_runs AS t");
        var errors = await WarehouseDb.RowsAsync(connectionString, "SELECT t::text FROM load_errors AS t");
        Assert.Equal(expectedRuns, runs.Count);
        AssertNoSecret("load_runs", string.Join('\n', runs));
        AssertNoSecret("load_errors", string.Join('\n', errors));
    }
}
