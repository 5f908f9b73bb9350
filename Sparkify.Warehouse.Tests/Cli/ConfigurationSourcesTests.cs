using System.Text.Json;
using Npgsql;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Cli;

/// <summary>
/// The CLI reads its settings as any Generic Host app does: <c>appsettings.json</c> in the current
/// directory, user secrets, environment variables, then the command line; and a setting it cannot use
/// stops it at start with one message naming the setting, and exit code 2.
/// </summary>
public sealed class ConfigurationSourcesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sparkify-config-").FullName;

    [Fact]
    public async Task A_bad_provider_name_in_the_environment_stops_the_cli_at_start()
    {
        var result = await RunAsync(new() { ["Sparkify__Provider"] = "oracle" }, "migrate", "--script");

        AssertUsageError("Sparkify:Provider is 'oracle'; accepted: postgres, redshift.", result);
    }

    [Fact]
    public async Task A_negative_max_errors_in_appsettings_json_stops_the_cli_at_start()
    {
        await WriteJsonAsync(Path.Combine(_folder, "appsettings.json"), new { Sparkify = new { MaxErrors = -1 } });

        var result = await RunAsync([], "load", "--dry-run", "--songs", TestEnvironment.SampleSongs, "--events", TestEnvironment.SampleLogs);

        AssertUsageError("Sparkify:MaxErrors is -1; it must be from 0 to 100000.", result);
    }

    [Fact]
    public async Task Redshift_from_user_secrets_without_a_connection_stops_migrate_before_connecting()
    {
        await WriteUserSecretsAsync(new Dictionary<string, string> { ["Sparkify:Provider"] = "redshift" });

        var result = await RunAsync([], "migrate");

        AssertUsageError("Sparkify:ConnectionString (or ConnectionStrings:Warehouse) is not set; Redshift needs the cluster's connection string", result);
    }

    [Fact]
    public async Task A_connection_from_user_secrets_is_used_and_the_environment_beats_appsettings_json()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("secrets");
        try
        {
            await WriteUserSecretsAsync(new Dictionary<string, string> { ["Sparkify:ConnectionString"] = connectionString });
            await WriteJsonAsync(Path.Combine(_folder, "appsettings.json"), new { Sparkify = new { Provider = "redshift" } });

            var migrate = await RunAsync(new() { ["Sparkify__Provider"] = "postgres" }, "migrate");

            Assert.True(migrate.ExitCode == 0, migrate.ToString());
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT COUNT(*) FROM \"__EFMigrationsHistory\"", connection);
            Assert.Equal((long)TestEnvironment.MigrationCount, await command.ExecuteScalarAsync());
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(connectionString);
        }
    }

    [Fact]
    public async Task Redshift_on_the_command_line_without_a_connection_is_a_usage_error_but_scripting_needs_none()
    {
        var migrate = await CliRunner.RunAsync("migrate", "--provider", "redshift", "--connection", " ");
        var script = await CliRunner.RunAsync("migrate", "--provider", "redshift", "--script");

        Assert.Equal(2, migrate.ExitCode);
        Assert.StartsWith("error: Sparkify:ConnectionString (or ConnectionStrings:Warehouse) is not set; Redshift needs", migrate.Error, StringComparison.Ordinal);
        Assert.True(script.ExitCode == 0, script.ToString());
        Assert.Contains("DISTSTYLE", script.Out, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static void AssertUsageError(string expected, CliResult result)
    {
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Empty(result.Out);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: " + expected, line, StringComparison.Ordinal);
    }

    /// <summary>Runs the CLI in its own process, from <see cref="_folder"/>, with a HOME of its own (where user secrets live) and no inherited settings.</summary>
    private Task<CliResult> RunAsync(Dictionary<string, string?> environment, params string[] args)
    {
        environment["HOME"] = _folder;
        environment["APPDATA"] = null;
        environment["SPARKIFY_CONNECTION"] = null;
        environment["SPARKIFY_HOME"] = Path.Combine(_folder, ".sparkify");
        return ProcessRunner.RunAsync("dotnet", [SparkifyProcess.CliAssembly, .. args], workingDirectory: _folder, environment: environment);
    }

    private async Task WriteUserSecretsAsync(Dictionary<string, string> secrets)
    {
        // Where 'dotnet user-secrets set' keeps them on Linux and macOS.
        var folder = Directory.CreateDirectory(Path.Combine(_folder, ".microsoft", "usersecrets", "sparkify-warehouse-cli"));
        await WriteJsonAsync(Path.Combine(folder.FullName, "secrets.json"), secrets);
    }

    private static Task WriteJsonAsync(string path, object value) => File.WriteAllTextAsync(path, JsonSerializer.Serialize(value));
}
