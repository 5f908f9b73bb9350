using System.Text.Json;
using Npgsql;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Cli;

/// <summary><c>sparkify doctor</c> in-process: exit codes, the table, the JSON shape, usage errors, no secrets and no stack traces.</summary>
public sealed class DoctorCommandTests(MigratedDatabaseFixture database) : IClassFixture<MigratedDatabaseFixture>
{
    private static readonly string[] CheckNames = ["connection", "server", "migrations", "privileges", "songs", "events", "jsonpaths", "iam-role"];

    [Fact]
    public async Task Doctor_of_a_migrated_database_and_the_sample_exits_0_with_a_line_per_check()
    {
        var result = await CliRunner.RunAsync("doctor", "--connection", database.ConnectionString,
            "--songs", TestEnvironment.SampleSongs, "--events", TestEnvironment.SampleLogs, "--jsonpaths", TestEnvironment.SampleJsonPaths);

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (var name in CheckNames[..^1])
        {
            Assert.Matches($@"(?m)^PASS  {name}\s+\S", result.Out);
        }

        Assert.Matches(@"(?m)^SKIP  iam-role\s+PostgreSQL loads read the sources themselves", result.Out);
        Assert.Matches(@"(?m)^7 passed, 0 failed, 1 skipped\.$", result.Out);
        Assert.DoesNotContain("fix:", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(new NpgsqlConnectionStringBuilder(database.ConnectionString).Password!, result.Out + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_of_an_unmigrated_database_exits_1_and_its_json_lists_every_check_in_order()
    {
        var empty = await TestPostgres.CreateDatabaseAsync("doctor_cli_empty");
        try
        {
            var table = await CliRunner.RunAsync("doctor", "--connection", empty, "--songs", TestEnvironment.SampleSongs);
            var json = await CliRunner.RunAsync("doctor", "--connection", empty, "--songs", TestEnvironment.SampleSongs, "--format", "json");

            Assert.True(table.ExitCode == 1, table.ToString());
            Assert.Matches(@"(?m)^FAIL  migrations\s+\d+ of \d+ migrations not applied: ", table.Out);
            Assert.Matches(@"(?m)^\s+fix: run sparkify migrate ", table.Out);
            Assert.Equal("", table.Error);

            Assert.True(json.ExitCode == 1, json.ToString());
            using var document = JsonDocument.Parse(json.Out);
            var root = document.RootElement;
            Assert.Equal(["passed", "checks"], root.EnumerateObject().Select(p => p.Name));
            Assert.False(root.GetProperty("passed").GetBoolean());
            var checks = root.GetProperty("checks").EnumerateArray().ToList();
            Assert.Equal(CheckNames, checks.Select(c => c.GetProperty("name").GetString()));
            foreach (var check in checks)
            {
                Assert.Equal(["name", "status", "detail", "fix"], check.EnumerateObject().Select(p => p.Name));
                var status = check.GetProperty("status").GetString();
                Assert.Contains(status, new[] { "pass", "fail", "skip" });
                // A pass has no fix, a failure always has one; a skip has one unless there is nothing to do (iam-role on PostgreSQL).
                var fix = check.GetProperty("fix");
                Assert.Equal(status == "pass" ? JsonValueKind.Null : status == "fail" ? JsonValueKind.String : fix.ValueKind, fix.ValueKind);
            }

            string Status(string name) => checks.Single(c => c.GetProperty("name").GetString() == name).GetProperty("status").GetString()!;
            Assert.Equal(["pass", "pass", "fail", "fail", "pass", "skip", "skip", "skip"], CheckNames.Select(Status));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(empty);
        }
    }

    [Fact]
    public async Task Redshift_without_a_connection_still_checks_the_sources_and_exits_1_without_a_stack_trace()
    {
        var result = await CliRunner.RunAsync("doctor", "--provider", "redshift", "--iam-role", "arn:aws:iam::123456789012:role/dwhRole",
            "--songs", TestEnvironment.SampleSongs, "--format", "json");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.DoesNotContain("   at ", result.Out + result.Error, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(result.Out);
        var checks = document.RootElement.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString());
        Assert.Equal("fail", checks["connection"]);
        Assert.Equal("fail", checks["songs"]);
        Assert.Equal("pass", checks["iam-role"]);
    }

    [Theory]
    [InlineData("--format", "yaml")]
    [InlineData("--iam-role", "arn:aws:iam::12:role/secret-looking-value")]
    public async Task A_bad_option_or_setting_is_a_usage_error_with_exit_2(string option, string value)
    {
        var result = await CliRunner.RunAsync("doctor", "--provider", "redshift", "--connection", "Host=127.0.0.1;Port=1;Username=u;Password=p4ss-d0c", option, value);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("error: ", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-looking-value", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("p4ss-d0c", result.Out + result.Error, StringComparison.Ordinal);
    }
}
