using Npgsql;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Tests.TestUtilities;
using static Sparkify.Warehouse.Tests.TestUtilities.StarTables;

namespace Sparkify.Warehouse.Tests.Reliability;

/// <summary>
/// Issue 6, item 3: loads that overlap. Two <c>sparkify load</c> processes on one database take turns
/// (the second waits for the first's lock, saying so), and their result is exactly that of loading
/// everything once: no duplicate songplay, no user upgrade lost to an older batch. Readers during a
/// load see the tables as they were before it or after it, never a mix.
/// </summary>
public sealed class ConcurrentLoadTests
{
    [Fact]
    public async Task Two_sparkify_load_processes_at_once_take_turns_and_leave_exactly_the_result_of_one_load_of_everything()
    {
        var connectionString = await MigratedDatabaseFixture.CreateAsync("twoloads");
        var (earlier, later) = SampleBatches.SplitLogDays(15);
        SparkifyProcess? a = null, b = null;
        try
        {
            // The batches overlap (days 16–30 in both) and the second brings events older than the first's:
            // duplicates and a level overwritten by an older event are both possible if loads interleave.
            Assert.Contains(SampleStars.Full.Users, u => SampleStars.EarlierDays.Users.Any(e => e.UserId == u.UserId && e.Level != u.Level));

            await using (await LoadFaults.LockTimeTableAsync(connectionString))
            {
                a = Start(connectionString, "load-a", later);
                await LoadFaults.WaitForStatementAsync(connectionString, "load-a", LoadFaults.TimeInsert, blockedOnLock: true);
                b = Start(connectionString, "load-b", TestEnvironment.SampleLogs);
                await b.WaitForErrorOutputAsync("Another load is running on this warehouse; waiting for it to finish");
                await LoadFaults.WaitForStatementAsync(connectionString, "load-b", "pg_advisory_lock", blockedOnLock: true);

                // While both wait, nothing is visible yet, and only the lock holder has a run.
                Assert.Empty((await ReadStarAsync(connectionString)).SongPlays);
                Assert.Equal([LoadRunStatus.Running], (await WarehouseDb.RunsAsync(connectionString)).Select(r => r.Status));
            }

            var (first, second) = (await a.WaitAsync(), await b.WaitAsync());
            Assert.True(first.ExitCode == 0, first.ToString());
            Assert.True(second.ExitCode == 0, second.ToString());
            AssertStar(SampleStars.Full, await ReadStarAsync(connectionString));
            Assert.Equal(0L, await WarehouseDb.ScalarAsync(connectionString,
                "SELECT COUNT(*) FROM (SELECT 1 FROM songplays GROUP BY user_id, session_id, item_in_session HAVING COUNT(*) > 1) AS d"));
            var runs = await WarehouseDb.RunsAsync(connectionString);
            Assert.Equal([LoadRunStatus.Succeeded, LoadRunStatus.Succeeded], runs.Select(r => r.Status));
            Assert.All(runs, r => Assert.Null(r.Error));
            Assert.Equal(SampleStars.Full.SongPlays.Count, runs.Sum(r => r.SongPlaysInserted));
        }
        finally
        {
            await (a?.DisposeAsync() ?? ValueTask.CompletedTask);
            await (b?.DisposeAsync() ?? ValueTask.CompletedTask);
            Directory.Delete(Path.GetDirectoryName(earlier)!, recursive: true);
        }
    }

    [Fact]
    public async Task Readers_during_a_load_see_the_tables_before_it_or_after_it_never_in_between()
    {
        const string app = "load-observed";
        var connectionString = await MigratedDatabaseFixture.CreateAsync("readers");
        await WarehouseDb.PreloadEarlierDaysAsync(connectionString);
        var before = Snapshot.Of(SampleStars.EarlierDays);
        var after = Snapshot.Of(SampleStars.Full);
        Assert.NotEqual(before, after);

        await using var reader = new NpgsqlConnection(connectionString);
        await reader.OpenAsync();
        var seen = new List<Snapshot>();
        Task<Sparkify.Warehouse.Loading.LoadResult> load;
        await using (await LoadFaults.LockTimeTableAsync(connectionString))
        {
            (load, _) = await LoadFaults.StartBlockedLoadAsync(connectionString, app, WarehouseDb.Loader(LoadFaults.Tagged(connectionString, app)), WarehouseDb.SampleRequest());

            // The load has written songplays, users, songs and artists in its transaction by now.
            for (var i = 0; i < 20; i++)
            {
                seen.Add(await Snapshot.ReadAsync(reader));
            }

            Assert.All(seen, s => Assert.Equal(before, s));
        }

        // Released: keep reading while it finishes, and once after.
        while (!load.IsCompleted)
        {
            seen.Add(await Snapshot.ReadAsync(reader));
        }

        await load;
        seen.Add(await Snapshot.ReadAsync(reader));

        Assert.All(seen, s => Assert.True(s == before || s == after, $"a reader saw {s}, neither {before} nor {after}"));
        Assert.Equal(after, seen[^1]);
    }

    private static SparkifyProcess Start(string connectionString, string applicationName, string events)
        => SparkifyProcess.Start(
            new Dictionary<string, string?> { ["SPARKIFY_CONNECTION"] = LoadFaults.Tagged(connectionString, applicationName) },
            "load", "--songs", TestEnvironment.SampleSongs, "--events", events);

    /// <summary>What an analyst's query sees of the star tables, read in one statement (one snapshot).</summary>
    private sealed record Snapshot(long SongPlays, long Users, long PaidUsers, long Songs, long Time)
    {
        public static Snapshot Of(Star star)
            => new(star.SongPlays.Count, star.Users.Count, star.Users.Count(u => u.Level == "paid"), star.Songs.Count, star.Time.Count);

        public static async Task<Snapshot> ReadAsync(NpgsqlConnection connection)
        {
            await using var command = new NpgsqlCommand(
                """
                SELECT (SELECT COUNT(*) FROM songplays), (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM users WHERE level = 'paid'),
                       (SELECT COUNT(*) FROM songs), (SELECT COUNT(*) FROM "time")
                """, connection);
            await using var row = await command.ExecuteReaderAsync();
            await row.ReadAsync();
            return new Snapshot(row.GetInt64(0), row.GetInt64(1), row.GetInt64(2), row.GetInt64(3), row.GetInt64(4));
        }
    }
}
