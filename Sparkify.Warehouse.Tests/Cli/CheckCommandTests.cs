using Npgsql;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Cli;

/// <summary>
/// <c>sparkify check</c> in-process across real <c>sparkify load</c> runs of the sample: its exit code
/// and report before any load, after a load, after a failed load, after damage and after a reload.
/// </summary>
public sealed class CheckCommandTests(MigratedDatabaseFixture database) : IClassFixture<MigratedDatabaseFixture>
{
    [Fact]
    public async Task Check_passes_after_a_load_fails_when_a_user_with_plays_is_deleted_and_passes_after_the_next_load()
    {
        // Never loaded: nothing is wrong, and the load checks say why they did not run.
        var empty = await CheckAsync();
        Assert.True(empty.ExitCode == 0, empty.ToString());
        Assert.Matches(@"(?m)^SKIP  load\.staging-matches-run\s+staging holds exactly what the last successful load staged$", empty.Out);
        Assert.Contains("no load recorded in load_runs", empty.Out, StringComparison.Ordinal);

        await LoadAsync(TestEnvironment.SampleLogs, expectedExitCode: 0);
        var loaded = await CheckAsync();
        Assert.True(loaded.ExitCode == 0, loaded.ToString());
        Assert.DoesNotContain("FAIL", loaded.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("SKIP", loaded.Out, StringComparison.Ordinal);
        Assert.Contains("staging_events has 8056 rows and staging_songs 71", loaded.Out, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\d+ passed, 0 failed, 0 skipped\.$", loaded.Out);

        // A load that fails (a bad line, --max-errors 0) rolls back, staging included: still consistent.
        var bad = BadInput.Write();
        try
        {
            await LoadAsync(bad, expectedExitCode: 1);
        }
        finally
        {
            Directory.Delete(bad, recursive: true);
        }

        var afterFailure = await CheckAsync();
        Assert.True(afterFailure.ExitCode == 0, afterFailure.ToString());
        Assert.Contains("staging_events has 8056 rows and staging_songs 71", afterFailure.Out, StringComparison.Ordinal);

        await ExecuteAsync("DELETE FROM users WHERE user_id = 15");
        var damaged = await CheckAsync();
        Assert.True(damaged.ExitCode == 1, damaged.ToString());
        Assert.Matches(@"(?m)^FAIL  songplays\.user-exists\s+every songplay's user_id has a users row$", damaged.Out);
        Assert.Matches(@"(?m)^\s+463 songplays whose user has no users row, e\.g\. user_id 15$", damaged.Out);
        Assert.Matches(@"(?m)^FAIL  load\.staged-users-loaded\s", damaged.Out);
        Assert.Matches(@"(?m)^FAIL  load\.star-covers-run\s", damaged.Out);
        Assert.Matches(@"(?m)^PASS  songplays\.time-exists\s", damaged.Out);
        Assert.Matches(@"(?m)^\d+ passed, 3 failed, 0 skipped\.$", damaged.Out);

        // A reload brings user 15's events again, and the transform adds the missing users row (a
        // plain load would skip the files, which the ledger holds unchanged).
        await LoadAsync(TestEnvironment.SampleLogs, expectedExitCode: 0, "--reload");
        var reloaded = await CheckAsync();
        Assert.True(reloaded.ExitCode == 0, reloaded.ToString());
        Assert.DoesNotContain("FAIL", reloaded.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_database_is_reported_as_a_failure()
    {
        var result = await CliRunner.RunAsync("check", "--connection", "Host=invalid.invalid;Port=1;Timeout=1");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("error: ", result.Error, StringComparison.Ordinal);
    }

    private Task<CliResult> CheckAsync() => CliRunner.RunAsync("check", "--connection", database.ConnectionString);

    private async Task LoadAsync(string events, int expectedExitCode, params string[] options)
    {
        var result = await CliRunner.RunAsync(["load", "--connection", database.ConnectionString, "--songs", TestEnvironment.SampleSongs, "--events", events, .. options]);
        Assert.True(result.ExitCode == expectedExitCode, result.ToString());
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
