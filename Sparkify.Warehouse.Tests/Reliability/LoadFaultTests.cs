using Microsoft.EntityFrameworkCore;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.LocalServer;
using Sparkify.Warehouse.Tests.TestUtilities;
using static Sparkify.Warehouse.Tests.TestUtilities.StarTables;

namespace Sparkify.Warehouse.Tests.Reliability;

/// <summary>
/// Issue 6, item 2 (the database side): a load's session killed mid-COPY and mid-transform, the server
/// stopped under a load, and Ctrl+C. Each time the run is recorded as failed (or, when the database
/// itself is gone, found abandoned by the next load), the star tables stay exactly as they were, and a
/// retry or rerun gives exactly the right result: nothing lost, nothing twice.
/// </summary>
public sealed class LoadFaultTests
{
    [Fact]
    public async Task A_session_killed_mid_COPY_fails_the_run_changes_nothing_and_the_rerun_loads_exactly_once()
    {
        const string app = "fault-mid-copy";
        var connectionString = await MigratedDatabaseFixture.CreateAsync("midcopy");
        var logs = SampleBatches.AllLogsExcept(30);
        var lastDay = await File.ReadAllBytesAsync(SampleBatches.LogFile(30));
        try
        {
            await using var fifo = await FifoFile.CreateAsync(Path.Combine(logs, "2018-11-30-events.json"));
            var before = await WarehouseDb.PreloadEarlierDaysAsync(connectionString);

            // The last log file is a pipe: the events COPY is open and streaming while the load waits for it.
            var served = fifo.ServeAsync(lastDay, async () =>
                await LoadFaults.TerminateAsync(connectionString, await LoadFaults.WaitForStatementAsync(connectionString, app, "COPY staging_events")));
            var failure = await Assert.ThrowsAsync<WarehouseLoadException>(() =>
                WarehouseDb.Loader(LoadFaults.Tagged(connectionString, app), transientRetries: 0).LoadAsync(WarehouseDb.SampleRequest() with { EventsSource = logs }));
            await served;

            // Whether the loader hears the server's goodbye or only a dead socket depends on timing; both say what happened.
            Assert.True(
                failure.Message.StartsWith($"PostgreSQL refused the COPY into staging_events: {LoadFaults.TerminatedReason}", StringComparison.Ordinal)
                || failure.Message.StartsWith("The COPY into staging_events failed: lost the database connection: ", StringComparison.Ordinal),
                failure.Message);
            AssertStar(before, await ReadStarAsync(connectionString));
            var runs = await WarehouseDb.RunsAsync(connectionString);
            Assert.Equal([LoadRunStatus.Succeeded, LoadRunStatus.Failed], runs.Select(r => r.Status));
            Assert.Equal(failure.Message, runs[^1].Error);
            Assert.NotNull(runs[^1].FinishedAt);

            var rerun = fifo.ServeAsync(lastDay);
            var result = await WarehouseDb.Loader(connectionString).LoadAsync(WarehouseDb.SampleRequest() with { EventsSource = logs });
            await rerun;

            Assert.Equal(8056, result.EventsStaged);
            AssertStar(SampleStars.Full, await ReadStarAsync(connectionString));
        }
        finally
        {
            Directory.Delete(logs, recursive: true);
        }
    }

    [Fact]
    public async Task A_session_killed_mid_transform_is_retried_as_a_new_run_that_loads_everything_exactly_once()
    {
        const string app = "fault-mid-transform";
        var connectionString = await MigratedDatabaseFixture.CreateAsync("midtransform");
        var before = await WarehouseDb.PreloadEarlierDaysAsync(connectionString);

        Task<LoadResult> load;
        await using (await LoadFaults.LockTimeTableAsync(connectionString))
        {
            (load, var pid) = await LoadFaults.StartBlockedLoadAsync(connectionString, app, WarehouseDb.Loader(LoadFaults.Tagged(connectionString, app)), WarehouseDb.SampleRequest());

            // songplays, users, songs and artists are written inside the load's transaction by now.
            AssertStar(before, await ReadStarAsync(connectionString));
            await LoadFaults.TerminateAsync(connectionString, pid);
        }

        var result = await load;

        AssertStar(SampleStars.Full, await ReadStarAsync(connectionString));
        var runs = await WarehouseDb.RunsAsync(connectionString);
        Assert.Equal([LoadRunStatus.Succeeded, LoadRunStatus.Failed, LoadRunStatus.Succeeded], runs.Select(r => r.Status));
        Assert.Contains(LoadFaults.TerminatedReason, runs[1].Error, StringComparison.Ordinal);
        Assert.EndsWith("(transient; the load was retried as a new run)", runs[1].Error, StringComparison.Ordinal);
        Assert.Equal(result.RunId, runs[2].RunId);
        Assert.Equal(SampleStars.Full.SongPlays.Count - before.SongPlays.Count, result.SongPlaysInserted);
    }

    [Fact]
    public async Task A_stopped_server_fails_the_load_after_bounded_retries_and_the_next_load_marks_it_abandoned_and_completes()
    {
        const string app = "fault-server-stop";
        var server = new LocalPostgresServer(Directory.CreateTempSubdirectory("sparkify-stopped-").FullName);
        try
        {
            var connectionString = await server.CreateDatabaseAsync("stopped");
            await MigrateAsync(connectionString);
            var before = await WarehouseDb.PreloadEarlierDaysAsync(connectionString);

            Task<LoadResult> load;
            await using (await LoadFaults.LockTimeTableAsync(connectionString))
            {
                (load, _) = await LoadFaults.StartBlockedLoadAsync(connectionString, app, WarehouseDb.Loader(LoadFaults.Tagged(connectionString, app), transientRetries: 2), WarehouseDb.SampleRequest());
                await server.StopAsync();
            }

            // The first attempt lost its session; both retries find no server to connect to.
            var failure = await Assert.ThrowsAnyAsync<WarehouseException>(() => load);
            Assert.StartsWith("Could not connect to the warehouse: ", failure.Message, StringComparison.Ordinal);

            await server.StartAsync();

            // The pool's idle connections died with the server; the test's reads should not trip over them.
            Npgsql.NpgsqlConnection.ClearAllPools();
            AssertStar(before, await ReadStarAsync(connectionString));
            var interrupted = (await WarehouseDb.RunsAsync(connectionString))[^1];
            Assert.Equal(LoadRunStatus.Running, interrupted.Status);

            await WarehouseDb.Loader(connectionString).LoadAsync(WarehouseDb.SampleRequest());

            AssertStar(SampleStars.Full, await ReadStarAsync(connectionString));
            var runs = await WarehouseDb.RunsAsync(connectionString);
            Assert.Equal([LoadRunStatus.Succeeded, LoadRunStatus.Failed, LoadRunStatus.Succeeded], runs.Select(r => r.Status));
            Assert.Equal((interrupted.RunId, LoadRunLog.AbandonedError), (runs[1].RunId, runs[1].Error));
        }
        finally
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await server.DeleteAsync();
        }
    }

    // INT is Ctrl+C in a terminal; TERM is what systemd, Kubernetes or a CI timeout sends to stop a job.
    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task Ctrl_C_or_SIGTERM_during_a_load_rolls_it_back_records_it_as_cancelled_and_exits_130(string signal)
    {
        var app = "fault-sig" + signal.ToLowerInvariant();
        var connectionString = await MigratedDatabaseFixture.CreateAsync("sig" + signal.ToLowerInvariant());
        var before = await WarehouseDb.PreloadEarlierDaysAsync(connectionString);

        CliResult cli;
        await using (await LoadFaults.LockTimeTableAsync(connectionString))
        {
            await using var process = SparkifyProcess.Start(
                new Dictionary<string, string?> { ["SPARKIFY_CONNECTION"] = LoadFaults.Tagged(connectionString, app) },
                "load", "--songs", TestEnvironment.SampleSongs, "--events", TestEnvironment.SampleLogs);
            await LoadFaults.WaitForStatementAsync(connectionString, app, LoadFaults.TimeInsert, blockedOnLock: true);
            await process.SignalAsync(signal);
            cli = await process.WaitAsync(TimeSpan.FromMinutes(1));
        }

        Assert.True(cli.ExitCode == 130, cli.ToString());
        Assert.Contains("Cancelled.", cli.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", cli.Error, StringComparison.Ordinal);
        AssertStar(before, await ReadStarAsync(connectionString));
        var run = (await WarehouseDb.RunsAsync(connectionString))[^1];
        Assert.Equal((LoadRunStatus.Failed, "cancelled"), (run.Status, run.Error));

        await WarehouseDb.Loader(connectionString).LoadAsync(WarehouseDb.SampleRequest());
        AssertStar(SampleStars.Full, await ReadStarAsync(connectionString));
    }

    private static async Task MigrateAsync(string connectionString)
    {
        await using var context = new WarehouseDbContext(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse(connectionString).Options);
        await context.Database.MigrateAsync();
    }
}
