using Microsoft.EntityFrameworkCore;
using Sparkify.Warehouse.Checks;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Checks;

/// <summary>
/// <see cref="WarehouseChecks"/> on the real sample: everything passes after a load, and each kind
/// of damage makes exactly the checks that guard against it fail. Damage is done inside a
/// transaction the checks run in and then rolled back, so the tests share one loaded warehouse;
/// dropping a key constraint first shows what Redshift, which enforces none, could hold.
/// </summary>
public sealed class WarehouseChecksTests(SampleWarehouseFixture sample) : IClassFixture<SampleWarehouseFixture>
{
    public static TheoryData<string, string[]> Damage => new()
    {
        { "DELETE FROM users WHERE user_id = 15", ["songplays.user-exists", "load.staged-users-loaded", "load.star-covers-run"] },
        { "DELETE FROM \"time\" WHERE start_time = (SELECT MIN(start_time) FROM \"time\")", ["songplays.time-exists", "load.star-covers-run"] },
        { "UPDATE \"time\" SET hour = (hour + 1) % 24 WHERE start_time = (SELECT MAX(start_time) FROM \"time\")", ["time.parts-match"] },
        { "UPDATE \"time\" SET weekday = 7 - weekday WHERE day = 3", ["time.parts-match"] },
        { "INSERT INTO \"time\" VALUES (TIMESTAMP '2030-01-01 00:00:00', 0, 1, 1, 1, 2030, 2)", ["time.has-songplays"] },
        { "DELETE FROM songs WHERE song_id IN (SELECT song_id FROM songplays WHERE song_id IS NOT NULL)", ["songplays.song-exists", "load.staged-songs-loaded", "load.star-covers-run"] },
        { "DELETE FROM artists WHERE artist_id IN (SELECT artist_id FROM songplays WHERE artist_id IS NOT NULL)", ["songplays.artist-exists", "songs.artist-exists", "load.staged-artists-loaded", "load.star-covers-run"] },
        { "UPDATE songplays SET artist_id = NULL WHERE song_id IS NOT NULL", ["songplays.song-and-artist-together"] },
        { "UPDATE songplays SET artist_id = (SELECT MIN(artist_id) FROM artists WHERE artist_id <> songplays.artist_id) WHERE song_id IS NOT NULL", ["songplays.artist-is-song-artist"] },
        { "DELETE FROM songs WHERE song_id NOT IN (SELECT song_id FROM songplays WHERE song_id IS NOT NULL)", ["load.staged-songs-loaded", "load.star-covers-run"] },
        {
            "DROP INDEX ux_songplays_play; INSERT INTO songplays (start_time, user_id, level, song_id, artist_id, session_id, location, user_agent, item_in_session) "
            + "SELECT start_time, user_id, level, song_id, artist_id, session_id, location, user_agent, item_in_session FROM songplays WHERE user_id = 15 AND session_id = 172",
            ["songplays.play-unique"]
        },
        {
            "ALTER TABLE songplays DROP CONSTRAINT \"PK_songplays\"; INSERT INTO songplays SELECT songplay_id, start_time, user_id, level, song_id, artist_id, session_id, location, user_agent, item_in_session + 1000 FROM songplays WHERE user_id = 15 AND session_id = 172",
            ["songplays.id-unique"]
        },
        { "ALTER TABLE users DROP CONSTRAINT \"PK_users\"; INSERT INTO users SELECT * FROM users WHERE user_id = 15", ["users.id-unique"] },
        { "ALTER TABLE songs DROP CONSTRAINT \"PK_songs\"; INSERT INTO songs SELECT * FROM songs WHERE song_id = (SELECT MIN(song_id) FROM songs)", ["songs.id-unique"] },
        { "ALTER TABLE artists DROP CONSTRAINT \"PK_artists\"; INSERT INTO artists SELECT * FROM artists WHERE artist_id = (SELECT MIN(artist_id) FROM artists)", ["artists.id-unique"] },
        { "ALTER TABLE \"time\" DROP CONSTRAINT \"PK_time\"; INSERT INTO \"time\" SELECT * FROM \"time\" WHERE start_time = (SELECT MIN(start_time) FROM \"time\")", ["time.id-unique"] },
        { "ALTER TABLE users DROP CONSTRAINT \"PK_users\"; ALTER TABLE users ALTER COLUMN user_id DROP NOT NULL; INSERT INTO users (user_id, first_name, last_event_ts, last_item_in_session) VALUES (NULL, 'nobody', 0, 0)", ["users.keys-not-null"] },
        { "DELETE FROM songplays WHERE user_id = 49", ["load.staged-plays-loaded", "time.has-songplays", "load.star-covers-run"] },
        { "DELETE FROM staging_events WHERE page <> 'NextSong'", ["load.staging-matches-run"] },
        { "UPDATE load_runs SET songplays_inserted = 1000000", ["load.songplays-within-staged", "load.star-covers-run"] },
        { "UPDATE load_runs SET users_upserted = 1000", ["load.star-covers-run"] },
    };

    [Fact]
    public async Task Every_check_passes_after_a_load()
    {
        await using var context = sample.CreateContext();

        var results = await WarehouseChecks.RunAsync(context);

        Assert.All(results, r => Assert.True(r.Status == CheckStatus.Passed, $"{r.Name}: {r.Status} — {r.Detail}"));
        Assert.Equal(results.Count, results.Select(r => r.Name).Distinct().Count());
        Assert.Equal(WarehouseChecks.StarChecks.Count + WarehouseChecks.StagingChecks.Count + 3, results.Count);
        Assert.Contains(results, r => r.Name == "load.staging-matches-run" && r.Detail.StartsWith("staging_events has 8056 rows and staging_songs 71", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Damage))]
    public async Task Damage_fails_exactly_the_checks_that_guard_against_it(string damage, string[] failing)
    {
        await using var context = sample.CreateContext();
        await using var transaction = await context.Database.BeginTransactionAsync();
        await context.Database.ExecuteSqlRawAsync(damage);

        var results = await WarehouseChecks.RunAsync(context);
        await transaction.RollbackAsync();

        Assert.Equal(failing.Order(StringComparer.Ordinal), results.Where(r => r.Status == CheckStatus.Failed).Select(r => r.Name).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(results, r => r.Status == CheckStatus.Skipped);
    }

    [Fact]
    public async Task A_failure_names_the_count_and_the_smallest_offending_key()
    {
        await using var context = sample.CreateContext();
        await using var transaction = await context.Database.BeginTransactionAsync();
        var plays = await context.SongPlays.CountAsync(p => p.UserId == 15 || p.UserId == 80);
        await context.Database.ExecuteSqlRawAsync("DELETE FROM users WHERE user_id IN (15, 80)");

        var result = (await WarehouseChecks.RunAsync(context)).Single(r => r.Name == "songplays.user-exists");
        await transaction.RollbackAsync();

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Equal($"{plays} songplays whose user has no users row, e.g. user_id 15", result.Detail);
    }

    [Fact]
    public async Task A_later_failed_load_which_rolled_back_leaves_staging_compared_with_the_last_successful_one()
    {
        await using var context = sample.CreateContext();
        var succeeded = await context.LoadRuns.OrderByDescending(r => r.StartedAt).Select(r => r.RunId).FirstAsync();
        await using var transaction = await context.Database.BeginTransactionAsync();
        await context.Database.ExecuteSqlRawAsync("""
            INSERT INTO load_runs (run_id, started_at, finished_at, status, events_staged, songs_staged, rows_rejected,
                songplays_inserted, users_upserted, songs_inserted, artists_upserted, time_inserted, error)
            VALUES ('00000000-0000-0000-0000-000000000001', TIMESTAMP '2100-01-01 00:00:00', TIMESTAMP '2100-01-01 00:01:00', 'failed', 5, 0, 9, 0, 0, 0, 0, 0, 'too many rejects')
            """);

        var results = await WarehouseChecks.RunAsync(context);
        await transaction.RollbackAsync();

        Assert.All(results, r => Assert.True(r.Status == CheckStatus.Passed, $"{r.Name}: {r.Status} — {r.Detail}"));
        Assert.Contains($"run {succeeded} of ", results.Single(r => r.Name == "load.staging-matches-run").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_check_statement_parses_as_redshift_sql_and_avoids_what_redshift_lacks()
    {
        var statements = WarehouseChecks.StarChecks.Concat(WarehouseChecks.StagingChecks).Select(c => c.Sql).Append(WarehouseChecks.CountsSql).ToList();

        foreach (var sql in statements)
        {
            foreach (var construct in new[] { "COLLATE", "::", "EXISTS", "IS DISTINCT FROM", "GENERATE_SERIES", "VALUES", "LATERAL", ";" })
            {
                Assert.DoesNotContain(construct, sql, StringComparison.OrdinalIgnoreCase);
            }
        }

        await Sqlfluff.AssertParsesAsync(string.Join(";\n\n", statements) + ";\n", statements.Count);
    }
}

/// <summary>A warehouse that was migrated but never loaded.</summary>
public sealed class WarehouseChecksOnEmptyWarehouseTests(MigratedDatabaseFixture database) : IClassFixture<MigratedDatabaseFixture>
{
    [Fact]
    public async Task Star_checks_pass_and_load_checks_are_skipped_without_a_load()
    {
        await using var context = database.CreateContext();

        var results = await WarehouseChecks.RunAsync(context);

        Assert.All(results.Where(r => !r.Name.StartsWith("load.", StringComparison.Ordinal)), r => Assert.Equal(CheckStatus.Passed, r.Status));
        Assert.All(results.Where(r => r.Name.StartsWith("load.", StringComparison.Ordinal)), r => Assert.Equal((CheckStatus.Skipped, "no load recorded in load_runs"), (r.Status, r.Detail)));
        Assert.Equal(WarehouseChecks.StagingChecks.Count + 3, results.Count(r => r.Status == CheckStatus.Skipped));
    }

    [Fact]
    public async Task Load_checks_are_skipped_when_no_load_succeeded()
    {
        await using var context = database.CreateContext();
        await using var transaction = await context.Database.BeginTransactionAsync();
        await context.Database.ExecuteSqlRawAsync("""
            INSERT INTO load_runs (run_id, started_at, status, events_staged, songs_staged, rows_rejected,
                songplays_inserted, users_upserted, songs_inserted, artists_upserted, time_inserted)
            VALUES ('00000000-0000-0000-0000-000000000002', TIMESTAMP '2100-01-01 00:00:00', 'failed', 0, 0, 0, 0, 0, 0, 0, 0)
            """);

        var results = await WarehouseChecks.RunAsync(context);
        await transaction.RollbackAsync();

        Assert.All(results.Where(r => r.Name.StartsWith("load.", StringComparison.Ordinal)), r => Assert.Equal((CheckStatus.Skipped, "no successful load in load_runs"), (r.Status, r.Detail)));
        Assert.DoesNotContain(results, r => r.Status == CheckStatus.Failed);
    }
}
