using Npgsql;
using Sparkify.Warehouse.Loading.Pipeline;
using Sparkify.Warehouse.Loading.Transform;
using Sparkify.Warehouse.Tests.TestUtilities;
using static Sparkify.Warehouse.Tests.TestUtilities.StarTables;

namespace Sparkify.Warehouse.Tests.Loading.Transform;

/// <summary>
/// The star-schema transform against real PostgreSQL. Staging is filled by the tests' own JSON reading
/// and binary COPY (<see cref="SampleWarehouse"/>, independent of the production parser), and the expected star tables
/// are derived in C# from the star-schema rules (<see cref="Oracle"/>), then compared in full.
/// </summary>
public sealed class StarSchemaTransformTests(MigratedDatabaseFixture database) : IClassFixture<MigratedDatabaseFixture>
{
    private static SampleRecords Data => SampleRecords.Instance;

    [Fact]
    public async Task Whole_sample_gives_the_spec_derivation()
    {
        await ResetAsync();

        var (staged, counts) = await LoadAsync(Data.Events, Data.Songs);
        var star = await ReadStarAsync();

        Assert.Equal(8056, staged);
        Assert.Equal(6820, star.SongPlays.Count);
        Assert.Equal(71, star.Songs.Count);
        var matched = Assert.Single(star.SongPlays, p => p.SongId is not null);
        Assert.NotNull(matched.ArtistId);
        Assert.All(star.SongPlays.Where(p => p.SongId is null), p => Assert.Null(p.ArtistId));
        AssertStar(Oracle.Derive(Data.Events, Data.Songs), star);
        Assert.Equal(
            new TransformCounts(star.SongPlays.Count, star.Users.Count, star.Songs.Count, star.Artists.Count, star.Time.Count),
            counts);

        // Every fact row has its dimension rows (there are no foreign keys to enforce it).
        var users = star.Users.Select(u => u.UserId).ToHashSet();
        var times = star.Time.Select(t => t.StartTime).ToHashSet();
        Assert.All(star.SongPlays, p => Assert.Contains(p.UserId, users));
        Assert.All(star.SongPlays, p => Assert.Contains(p.StartTime, times));
    }

    [Fact]
    public async Task Start_time_keeps_milliseconds_and_time_parts_follow_iso_week_and_sunday_zero()
    {
        await ResetAsync();
        var template = Data.Events.First(e => e.Page == "NextSong" && e.UserId == "8");
        long[] instants =
        [
            1541106106796, // 2018-11-01T21:01:46.796Z, a Thursday
            new DateTimeOffset(2018, 12, 31, 23, 59, 59, 999, TimeSpan.Zero).ToUnixTimeMilliseconds(), // Monday of ISO week 1 of 2019
            new DateTimeOffset(2021, 1, 3, 0, 0, 0, 1, TimeSpan.Zero).ToUnixTimeMilliseconds(), // Sunday of ISO week 53 of 2020
            new DateTimeOffset(2020, 2, 29, 12, 30, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(),
        ];
        var events = instants.Select((ts, i) => template with { Ts = ts, SessionId = 900_000 + i, ItemInSession = 0 }).ToList();

        await LoadAsync(events, []);
        var star = await ReadStarAsync();

        AssertStar(Oracle.Derive(events, []), star);
        Assert.Equal(new DateTime(2018, 11, 1, 21, 1, 46, 796), star.SongPlays.Single(p => p.SessionId == 900_000).StartTime);
        Assert.Contains(new TimeRow(new DateTime(2018, 12, 31, 23, 59, 59, 999), 23, 31, 1, 12, 2018, 1), star.Time);
        Assert.Contains(new TimeRow(new DateTime(2021, 1, 3, 0, 0, 0, 1), 0, 3, 53, 1, 2021, 0), star.Time);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Two_batches_in_either_order_equal_both_at_once(bool laterBatchFirst)
    {
        await ResetAsync();
        await LoadAsync(Data.Events, Data.Songs);
        var together = await ReadStarAsync();

        await ResetAsync();
        var (first, second) = laterBatchFirst ? (Data.LaterDays, Data.EarlierDays) : (Data.EarlierDays, Data.LaterDays);
        var (_, firstCounts) = await LoadAsync(first, Data.Songs);
        var (_, secondCounts) = await LoadAsync(second, Data.Songs);
        var separately = await ReadStarAsync();

        AssertStar(together, separately);
        AssertStar(Oracle.Derive(Data.Events, Data.Songs), separately);
        Assert.Equal(together.SongPlays.Count, firstCounts.SongPlays + secondCounts.SongPlays);
        Assert.Equal(together.Time.Count, firstCounts.Time + secondCounts.Time);
        Assert.Equal(71, firstCounts.Songs);
        Assert.Equal(0, secondCounts.Songs);
    }

    [Fact]
    public async Task Reloading_the_same_data_changes_nothing()
    {
        await ResetAsync();
        await LoadAsync(Data.Events, Data.Songs);
        var before = await ReadStarAsync();
        var idsBefore = await ReadSongPlayIdsAsync();

        var (_, counts) = await LoadAsync(Data.Events, Data.Songs);

        Assert.Equal(new TransformCounts(0, 0, 0, 0, 0), counts);
        AssertStar(before, await ReadStarAsync());
        Assert.Equal(idsBefore, await ReadSongPlayIdsAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_upgrade_in_the_later_batch_wins_whatever_the_load_order(bool laterBatchFirst)
    {
        // User 88 is on the free level throughout 1–15 November and upgrades after the 15th.
        await ResetAsync();
        await LoadAsync(Data.EarlierDays, Data.Songs);
        var afterEarlier = (await ReadStarAsync()).Users.Single(u => u.UserId == 88);
        Assert.Equal("free", afterEarlier.Level);

        await ResetAsync();
        var (first, second) = laterBatchFirst ? (Data.LaterDays, Data.EarlierDays) : (Data.EarlierDays, Data.LaterDays);
        await LoadAsync(first, Data.Songs);
        var (_, counts) = await LoadAsync(second, Data.Songs);

        var user = (await ReadStarAsync()).Users.Single(u => u.UserId == 88);
        var latest = Data.Events.Where(e => e.UserId == "88").MaxBy(e => (e.Ts, e.ItemInSession))!;
        Assert.Equal("paid", user.Level);
        Assert.Equal(latest.Ts, user.LastEventTs);
        Assert.Equal(latest.ItemInSession, user.LastItemInSession);
        if (laterBatchFirst)
        {
            // The older batch brings only older events: no user row may change.
            Assert.Equal(0, counts.Users - CountNewUsers(second, first));
        }
    }

    [Fact]
    public async Task A_user_id_that_is_not_an_integer_is_staged_but_makes_no_user_or_songplay()
    {
        await ResetAsync();
        var template = Data.Events.First(e => e.Page == "NextSong" && e.UserId == "8");
        // At most 10 digits after an optional sign, leading zeros included: "00000000999" is 999 in
        // range but 11 digits.
        string[] rejected = ["abc", "12a", "1.5", "+5", " 5", "5 ", "1e3", "0x1F", "99999999999", "2147483648", "-2147483649", "--1", "-", "-0-1", "12\n", "\u0663", "00000000999", "-00000000099"];
        string[] accepted = ["2147483647", "-2147483648", "-3", "0", "0000000999", "-0000000099"];
        var extra = rejected.Concat(accepted)
            .Select((id, i) => template with { UserId = id, SessionId = 800_000 + i, FirstName = "Synthetic " + id })
            .ToList();
        var events = Data.Events.Concat(extra).ToList();

        var (staged, _) = await LoadAsync(events, Data.Songs);
        var star = await ReadStarAsync();

        Assert.Equal(8056 + extra.Count, staged);
        AssertStar(Oracle.Derive(events, Data.Songs), star);
        Assert.Equal(97 + accepted.Length, star.Users.Count);
        Assert.Equal(6820 + accepted.Length, star.SongPlays.Count);
        Assert.DoesNotContain(star.Users, u => rejected.Any(id => u.FirstName == "Synthetic " + id));
        Assert.All(accepted, id => Assert.Contains(star.Users, u => u.FirstName == "Synthetic " + id));
        Assert.Contains(star.Users, u => u.UserId == int.MaxValue);
        Assert.Contains(star.Users, u => u.UserId == int.MinValue);
        Assert.Contains(star.Users, u => u.UserId == 0);
        Assert.All(star.SongPlays.Where(p => p.SessionId >= 800_000), p => Assert.Contains(p.UserId, new[] { int.MaxValue, int.MinValue, -3, 0, 999, -99 }));
    }

    [Fact]
    public async Task A_user_is_taken_from_the_greatest_ts_then_item_then_the_values_and_a_play_from_the_greatest_ts_then_the_values()
    {
        await ResetAsync();
        var template = Data.Events.First(e => e.Page == "NextSong" && e.UserId == "8") with
        {
            Level = "free", FirstName = "F", LastName = "L", Gender = "M", Ts = 1_600_000_000_000, ItemInSession = 1,
        };
        EventRecord Event(string userId, long? ts, int? item, int session = 950_000) => template with { UserId = userId, Ts = ts, ItemInSession = item, SessionId = session };
        List<EventRecord> events =
        [
            // 9001: the same ts, the greater item wins, whatever its values.
            Event("9001", 1_600_000_000_000, 1) with { Level = "free" },
            Event("9001", 1_600_000_000_000, 2) with { Level = "paid" },
            Event("9001", 1_599_999_999_999, 9) with { Level = "free" },
            // 9002: tied on ts and item: level, then first name, last name, gender in code-point order, NULL last.
            Event("9002", 1_600_000_000_000, 5) with { Level = "paid", FirstName = "A" },
            Event("9002", 1_600_000_000_000, 5) with { Level = "free", FirstName = "amy", LastName = null },
            Event("9002", 1_600_000_000_000, 5) with { Level = "free", FirstName = "Zed", LastName = null, Gender = "M" },
            Event("9002", 1_600_000_000_000, 5) with { Level = "free", FirstName = "Zed", LastName = "Young", Gender = "M" },
            Event("9002", 1_600_000_000_000, 5) with { Level = "free", FirstName = "Zed", LastName = "Young", Gender = null },
            // 9003 and 0009003 are one user; the latest event is under the longer spelling, with a smaller
            // item than the shorter spelling's latest.
            Event("9003", 1_600_000_000_000, 7) with { Level = "free" },
            Event("9003", 1_500_000_000_000, 8) with { Level = "free" },
            Event("0009003", 1_600_000_000_001, 1) with { Level = "paid" },
            // 9004: no ts at all: the greatest item among them.
            Event("9004", null, 3) with { FirstName = "three" },
            Event("9004", null, 5) with { FirstName = "five" },
            Event("9004", null, null) with { FirstName = "none" },
            // 9005: an event with a ts beats one without; a missing item ranks below every item.
            Event("9005", null, 99) with { FirstName = "no ts" },
            Event("9005", 1_600_000_000_000, null) with { FirstName = "ts, no item" },
            // 9006: a later event under a spelling that is no user id leaves the user to the valid one.
            Event("9006", 1_600_000_000_000, 1) with { FirstName = "valid" },
            Event("9006 ", 1_700_000_000_000, 1) with { FirstName = "invalid" },
            // Plays of user 9007 tied on user, session and item: the greatest ts, then level, song, artist
            // in code-point order.
            Event("9007", 1_600_000_000_000, 1, 951_000) with { Level = "paid", Song = "A" },
            Event("9007", 1_600_000_000_001, 1, 951_000) with { Level = "paid", Song = "B" },
            Event("9007", 1_600_000_000_000, 2, 951_000) with { Level = "paid", Song = "A" },
            Event("9007", 1_600_000_000_000, 2, 951_000) with { Level = "free", Song = "amy" },
            Event("9007", 1_600_000_000_000, 2, 951_000) with { Level = "free", Song = "Zed" },
        ];

        await LoadAsync(events, []);
        var star = await ReadStarAsync();

        AssertStar(Oracle.Derive(events, []), star);
        UserRow User(int id) => star.Users.Single(u => u.UserId == id);
        Assert.Equal(("paid", 2), (User(9001).Level, User(9001).LastItemInSession));
        Assert.Equal(new UserRow(9002, "Zed", "Young", "M", "free", 1_600_000_000_000, 5), User(9002));
        Assert.Equal(("paid", 1_600_000_000_001, 1), (User(9003).Level, User(9003).LastEventTs, User(9003).LastItemInSession));
        Assert.Equal(("five", -9223372036854775807, 5), (User(9004).FirstName, User(9004).LastEventTs, User(9004).LastItemInSession));
        Assert.Equal(("ts, no item", -2147483647), (User(9005).FirstName, User(9005).LastItemInSession));
        Assert.Equal("valid", User(9006).FirstName);
        var plays = star.SongPlays.Where(p => p.SessionId == 951_000).OrderBy(p => p.ItemInSession).ToList();
        Assert.Equal(2, plays.Count);
        Assert.Equal(new DateTime(2020, 9, 13, 12, 26, 40, 1), plays[0].StartTime);
        Assert.Equal("free", plays[1].Level);
        Assert.Equal(1, await ScalarAsync("SELECT COUNT(*) FROM songplays WHERE session_id = 951000 AND item_in_session = 2 AND song_title = 'Zed'"));
    }

    [Fact]
    public async Task Disagreeing_artist_values_come_from_the_smallest_song_id()
    {
        // Code-point order: "SOB" < "SOa" (a locale collation would put "SOa" first).
        var songB = new SongRecord(1, "ARX", null, null, "Nowhere", "Artist B", "SOB", "Song B", 100.5, 2001);
        var songLower = new SongRecord(1, "ARX", 10.25, -20.5, "Somewhere", "Artist a", "SOa", "Song a", 200.25, 2002);
        var songC = new SongRecord(1, "ARX", 1, 2, "Elsewhere", "Artist C", "SOC", "Song C", 300, 2003);
        var expected = new ArtistRow("ARX", "Artist B", "Nowhere", null, null, "SOB");

        await ResetAsync();
        await LoadAsync([], [songC, songLower, songB]);
        var together = await ReadStarAsync();
        Assert.Equal(new[] { expected }, together.Artists);
        AssertStar(Oracle.Derive([], [songC, songLower, songB]), together);

        foreach (var order in new[] { new[] { songC, songLower, songB }, new[] { songB, songLower, songC }, new[] { songLower, songB, songC } })
        {
            await ResetAsync();
            foreach (var song in order)
            {
                await LoadAsync([], [song]);
            }

            AssertStar(together, await ReadStarAsync());
        }
    }

    [Fact]
    public async Task Several_matching_songs_give_the_smallest_song_id_and_its_artist()
    {
        await ResetAsync();
        var template = Data.Events.First(e => e.Page == "NextSong" && e.UserId == "8");
        var play = template with { Song = "Twin", Artist = "Double Act", Length = 123.456, SessionId = 700_000 };
        var nearMiss = template with { Song = "Twin", Artist = "Double Act", Length = 123.4560001, SessionId = 700_001 };
        SongRecord[] songs =
        [
            new(1, "ARZ", null, null, "", "Double Act", "SOZ", "Twin", 123.456, 0),
            new(1, "ARY", null, null, "", "Double Act", "SOY", "Twin", 123.456, 0),
            new(1, "ARW", null, null, "", "Double Act", "SOW", "Twin", 99.0, 0),
            new(1, "ARV", null, null, "", "Other Act", "SOV", "Twin", 123.456, 0),
        ];

        await LoadAsync([play, nearMiss], songs);
        var star = await ReadStarAsync();

        AssertStar(Oracle.Derive([play, nearMiss], songs), star);
        var matched = star.SongPlays.Single(p => p.SessionId == 700_000);
        Assert.Equal(("SOY", "ARY"), (matched.SongId, matched.ArtistId));
        var unmatched = star.SongPlays.Single(p => p.SessionId == 700_001);
        Assert.Null(unmatched.SongId);
        Assert.Null(unmatched.ArtistId);
    }

    [Fact]
    public async Task Duplicate_events_within_a_batch_collapse_to_one_play()
    {
        await ResetAsync();
        var day = Data.EventsOfDay(1);
        var doubled = day.Concat(day).ToList();

        var (staged, counts) = await LoadAsync(doubled, Data.Songs);
        var star = await ReadStarAsync();

        Assert.Equal(2 * day.Count, staged);
        AssertStar(Oracle.Derive(day, Data.Songs), star);
        Assert.Equal(star.SongPlays.Count, counts.SongPlays);
    }

    [Fact]
    public async Task Full_refresh_empties_the_star_tables_first()
    {
        await ResetAsync();
        await LoadAsync(Data.Events, Data.Songs);
        var day = Data.EventsOfDay(1);
        var someSongs = Data.Songs.Take(10).ToList();

        var (_, counts) = await LoadAsync(day, someSongs, fullRefresh: true);
        var star = await ReadStarAsync();

        AssertStar(Oracle.Derive(day, someSongs), star);
        Assert.Equal(
            new TransformCounts(star.SongPlays.Count, star.Users.Count, star.Songs.Count, star.Artists.Count, star.Time.Count),
            counts);
    }

    [Fact]
    public async Task An_empty_warehouse_gets_the_key_indexes_of_songplays_and_time_built_after_its_rows_as_the_migrations_made_them()
    {
        await ResetAsync();
        var migrated = await ReadKeyIndexesAsync();

        await LoadAsync(Data.EarlierDays, Data.Songs);
        var afterFirstLoad = await ReadKeyIndexesAsync();
        await LoadAsync(Data.LaterDays, Data.Songs);
        var afterSecondLoad = await ReadKeyIndexesAsync();

        // The same indexes and constraints, built anew (new objects) by the load into the empty tables...
        Assert.Equal(migrated.Select(i => i.Definition), afterFirstLoad.Select(i => i.Definition));
        Assert.Equal(3, migrated.Count);
        Assert.Empty(migrated.Select(i => i.Oid).Intersect(afterFirstLoad.Select(i => i.Oid)));

        // ...and kept as they are by a load into tables that hold rows.
        Assert.Equal(afterFirstLoad, afterSecondLoad);
        AssertStar(Oracle.Derive(Data.Events, Data.Songs), await ReadStarAsync());
        Assert.Equal(0, await ScalarAsync("SELECT COUNT(*) FROM pg_class WHERE relname = 'sparkify_deferred_keys'"));
    }

    [Fact]
    public async Task An_empty_songplays_and_time_are_built_anew_as_the_migrations_made_them_with_their_comments_and_a_later_load_appends_to_them()
    {
        await ResetAsync();
        await ExecuteAsync(
            """
            COMMENT ON TABLE songplays IS 'one row per play'; COMMENT ON COLUMN songplays.level IS 'free or paid, at the play'; GRANT SELECT, UPDATE ON songplays TO PUBLIC;
            COMMENT ON TABLE "time" IS 'one row per start time'; COMMENT ON COLUMN "time".weekday IS '0 = Sunday'; GRANT SELECT, INSERT ON "time" TO PUBLIC
            """);
        try
        {
            var migrated = (Plays: await ReadTableAsync(), Time: await ReadTableAsync("time"));

            await LoadAsync(Data.EarlierDays, Data.Songs);
            var built = (Plays: await ReadTableAsync(), Time: await ReadTableAsync("time"));
            await LoadAsync(Data.LaterDays, Data.Songs);
            var appended = (Plays: await ReadTableAsync(), Time: await ReadTableAsync("time"));

            Assert.NotEqual(migrated.Plays.Oid, built.Plays.Oid);
            Assert.NotEqual(migrated.Time.Oid, built.Time.Oid);
            Assert.Equal(migrated.Plays.Definition, built.Plays.Definition);
            Assert.Equal(migrated.Time.Definition, built.Time.Definition);
            Assert.Contains("comment: one row per play", built.Plays.Definition, StringComparison.Ordinal);
            Assert.Contains("level character varying(32) null collate \"default\" comment: free or paid, at the play", built.Plays.Definition, StringComparison.Ordinal);
            Assert.Contains("PUBLIC UPDATE f by ", built.Plays.Definition, StringComparison.Ordinal);
            Assert.Contains("sequence public.songplays_songplay_id_seq bigint", built.Plays.Definition, StringComparison.Ordinal);
            Assert.Contains("weekday integer not null comment: 0 = Sunday", built.Time.Definition, StringComparison.Ordinal);
            Assert.Contains("PUBLIC INSERT f by ", built.Time.Definition, StringComparison.Ordinal);
            Assert.DoesNotContain("sequence", built.Time.Definition, StringComparison.Ordinal);
            Assert.Equal(built, appended);
            AssertStar(Oracle.Derive(Data.Events, Data.Songs), await ReadStarAsync());
            Assert.Equal(0, await ScalarAsync($"SELECT COUNT(*) FROM pg_class WHERE relname IN ('{PostgreSqlTransformDialect.AsideTableName("songplays")}', '{PostgreSqlTransformDialect.AsideTableName("time")}')"));
        }
        finally
        {
            await ExecuteAsync(
                """
                COMMENT ON TABLE songplays IS NULL; COMMENT ON COLUMN songplays.level IS NULL; REVOKE ALL ON songplays FROM PUBLIC;
                COMMENT ON TABLE "time" IS NULL; COMMENT ON COLUMN "time".weekday IS NULL; REVOKE ALL ON "time" FROM PUBLIC
                """);
        }
    }

    [Theory]
    [InlineData("songplays", "CREATE VIEW test_recent_plays AS SELECT songplay_id, start_time FROM songplays", "DROP VIEW test_recent_plays")]
    [InlineData("songplays", "GRANT USAGE ON SEQUENCE songplays_songplay_id_seq TO PUBLIC", "REVOKE USAGE ON SEQUENCE songplays_songplay_id_seq FROM PUBLIC")]
    [InlineData("songplays", "ALTER TABLE songplays ADD CONSTRAINT ck_test_session CHECK (session_id >= 0)", "ALTER TABLE songplays DROP CONSTRAINT ck_test_session")]
    [InlineData("songplays", "ALTER TABLE songplays SET (fillfactor = 90)", "ALTER TABLE songplays RESET (fillfactor)")]
    [InlineData("songplays", "ALTER TABLE songplays ALTER COLUMN level SET STATISTICS 500", "ALTER TABLE songplays ALTER COLUMN level SET STATISTICS -1")]
    [InlineData("songplays", "CREATE FUNCTION test_play_hour(p songplays) RETURNS integer LANGUAGE sql AS 'SELECT CAST(date_part(''hour'', p.start_time) AS integer)'", "DROP FUNCTION test_play_hour(songplays)")]
    [InlineData("time", "CREATE VIEW test_hours AS SELECT start_time, hour FROM \"time\"", "DROP VIEW test_hours")]
    [InlineData("time", "ALTER TABLE \"time\" ADD COLUMN note text", "ALTER TABLE \"time\" DROP COLUMN note")]
    [InlineData("time", "ALTER TABLE \"time\" ALTER COLUMN hour SET DEFAULT 0", "ALTER TABLE \"time\" ALTER COLUMN hour DROP DEFAULT")]
    [InlineData("time", "ALTER TABLE \"time\" ADD COLUMN n integer GENERATED ALWAYS AS IDENTITY", "ALTER TABLE \"time\" DROP COLUMN n")]
    public async Task An_empty_table_with_more_on_it_than_a_new_table_carries_keeps_its_table_and_gets_the_rows_inserted(string table, string more, string undo)
    {
        await ResetAsync();
        await ExecuteAsync(more);
        try
        {
            var before = await ReadTableAsync(table);

            // A column the load does not write keeps the table too; the load fills the others.
            await LoadAsync(Data.Events, Data.Songs);

            Assert.Equal(before, await ReadTableAsync(table));
            AssertStar(Oracle.Derive(Data.Events, Data.Songs), await ReadStarAsync());
        }
        finally
        {
            await ExecuteAsync(undo);
        }
    }

    [Fact]
    public async Task An_owner_that_may_not_create_in_the_schema_keeps_the_key_indexes_and_songplays_and_one_that_may_builds_them_anew()
    {
        await using var roles = new WarehouseRoles();
        var (loader, analyst) = await roles.CreateAsync(database.ConnectionString, "owner-test-secret-1", "owner-test-secret-2");
        var role = new NpgsqlConnectionStringBuilder(loader).Username!;
        var admin = new NpgsqlConnectionStringBuilder(database.ConnectionString).Username!;
        await ExecuteAsync($"ALTER TABLE songplays OWNER TO {role}; ALTER TABLE \"time\" OWNER TO {role}");
        try
        {
            // PostgreSQL 15 grants nobody CREATE on the public schema but its owner, and an index build
            // asks for it even on one's own table.
            await ResetAsync();
            var owned = await ReadTableAsync();
            var keys = await ReadKeyIndexesAsync();
            await SampleWarehouse.LoadAsync(loader, Data.EarlierDays, Data.Songs, fullRefresh: false);
            Assert.Equal(owned, await ReadTableAsync());
            Assert.Equal(keys, await ReadKeyIndexesAsync());
            AssertStar(Oracle.Derive(Data.EarlierDays, Data.Songs), await ReadStarAsync());

            await ResetAsync();
            await ExecuteAsync($"GRANT CREATE ON SCHEMA public TO {role}");
            await SampleWarehouse.LoadAsync(loader, Data.EarlierDays, Data.Songs, fullRefresh: false);
            var built = await ReadTableAsync();
            Assert.NotEqual(owned.Oid, built.Oid);
            Assert.Equal(owned.Definition, built.Definition);
            Assert.Contains($"owner {role},", built.Definition, StringComparison.Ordinal);
            Assert.Equal(keys.Select(k => k.Definition), (await ReadKeyIndexesAsync()).Select(k => k.Definition));
            AssertStar(Oracle.Derive(Data.EarlierDays, Data.Songs), await ReadStarAsync());
        }
        finally
        {
            await ExecuteAsync($"""
                ALTER TABLE songplays OWNER TO {admin};
                ALTER TABLE "time" OWNER TO {admin};
                REVOKE CREATE ON SCHEMA public FROM {role};
                DROP OWNED BY {role}, {new NpgsqlConnectionStringBuilder(analyst).Username};
                """);
        }
    }

    /// <summary>
    /// A table's oid and what describes it apart from its indexes: each column's name, type, nullability,
    /// collation, identity and comment in order, the identity sequence's name and options (songplays'),
    /// owner, options, persistence, privileges and the table's comment.
    /// </summary>
    private async Task<(uint Oid, string Definition)> ReadTableAsync(string table = "songplays")
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(
            $"""
            SELECT c.oid,
                (SELECT string_agg(format('%s %s %s%s%s%s', a.attname, format_type(a.atttypid, a.atttypmod),
                        CASE WHEN a.attnotnull THEN 'not null' ELSE 'null' END,
                        CASE WHEN a.attcollation <> 0 THEN ' collate ' || a.attcollation::regcollation::text ELSE '' END,
                        CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text ELSE '' END,
                        COALESCE(' comment: ' || col_description(c.oid, a.attnum), '')), E'\n' ORDER BY a.attnum)
                    FROM pg_attribute AS a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)
                || COALESCE((
                    SELECT format(E'\nsequence %s %s %s %s %s %s %s %s', i.name, q.seqtypid::regtype, q.seqstart, q.seqincrement, q.seqmin, q.seqmax, q.seqcache, q.seqcycle)
                    FROM (SELECT pg_get_serial_sequence(c.oid::regclass::text, a.attname) AS name FROM pg_attribute AS a WHERE a.attrelid = c.oid AND NOT a.attisdropped AND a.attidentity <> '') AS i
                    JOIN pg_sequence AS q ON q.seqrelid = i.name::regclass), '')
                || format(E'\nowner %s, options %s, persistence %s, privileges: ', c.relowner::regrole, c.reloptions, c.relpersistence)
                || (SELECT string_agg(format('%s %s %s by %s', CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE g.grantee::regrole::text END,
                        g.privilege_type, g.is_grantable, g.grantor::regrole), ', ' ORDER BY 1)
                    FROM aclexplode(COALESCE(c.relacl, acldefault('r', c.relowner))) AS g)
                || COALESCE(E'\ncomment: ' || obj_description(c.oid, 'pg_class'), '')
            FROM pg_class AS c
            WHERE c.oid = '"{table}"'::regclass
            """,
            connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetFieldValue<uint>(0), reader.GetString(1));
    }

    private Task ExecuteAsync(string sql) => WarehouseDb.ExecuteAsync(database.ConnectionString, sql);

    [Fact]
    public async Task Plays_and_time_rows_go_in_by_the_path_of_the_tables_state_and_songplay_ids_follow_the_natural_key_and_continue_in_the_next_load()
    {
        await ResetAsync();
        var earlier = Oracle.Derive(Data.EarlierDays, Data.Songs);
        var both = Oracle.Derive(Data.Events, Data.Songs);

        // Into the empty tables (key indexes deferred): songplays and time built anew, while the statement
        // that inserts both together and their own inserts insert nothing.
        var intoEmpty = await TransformStepByStepAsync(Data.EarlierDays);
        Assert.Equal((0, 0), intoEmpty.Together);
        Assert.Equal((earlier.SongPlays.Count, earlier.Time.Count), intoEmpty.Built);
        Assert.Equal((0, 0), intoEmpty.Apart);

        // Into tables that hold rows: the one statement.
        var intoLoaded = await TransformStepByStepAsync(Data.LaterDays);
        Assert.Equal((both.SongPlays.Count - earlier.SongPlays.Count, both.Time.Count - earlier.Time.Count), intoLoaded.Together);
        Assert.Equal((0, 0), intoLoaded.Built);
        Assert.Equal((0, 0), intoLoaded.Apart);
        AssertStar(both, await ReadStarAsync());

        // Each load numbers its new plays in their natural key's order, from where the identity stood.
        static List<(int, int, int)> Keys(IEnumerable<SongPlayRow> plays) => [.. plays.Select(p => (p.UserId, p.SessionId, p.ItemInSession)).Order()];
        var earlierKeys = Keys(earlier.SongPlays);
        var laterKeys = Keys(both.SongPlays).Except(earlierKeys).ToList();
        var expected = earlierKeys.Concat(laterKeys).Select((key, i) => (key.Item1, key.Item2, key.Item3, (long)i + 1)).Order();
        Assert.Equal(expected, await ReadSongPlayIdsAsync());
    }

    /// <summary>
    /// Stages <paramref name="events"/> with every sample song and runs the transform's steps one by one in a
    /// committed transaction: the songplays and time rows reported by the statement that inserts both
    /// together, the rows of the songplays and time tables built anew, and the rows reported by the other steps.
    /// </summary>
    private async Task<((long, long) Together, (long, long) Built, (long, long) Apart)> TransformStepByStepAsync(IReadOnlyList<EventRecord> events)
    {
        await using var connection = await OpenAsync();
        await SampleWarehouse.StageAsync(connection, events, Data.Songs);
        await using var transaction = await connection.BeginTransactionAsync();
        var executor = new NpgsqlLoadExecutor(connection, owned: false);
        var together = new TransformTally();
        var built = new TransformTally();
        var apart = new TransformTally();
        foreach (var step in StarSchemaTransform.Steps(WarehouseProvider.Postgres, fullRefresh: false))
        {
            var tally = !step.ReturnsCounts ? apart : step.Parts.Count > 0 ? together : built;
            await TransformRunner.RunAsync(executor, step, tally, CancellationToken.None);
        }

        await transaction.CommitAsync();
        var (t, b, a) = (together.ToCounts(), built.ToCounts(), apart.ToCounts());
        Assert.Equal(new TransformCounts(b.SongPlays, 0, 0, 0, b.Time), b);
        return ((t.SongPlays, t.Time), (b.SongPlays, b.Time), (a.SongPlays, a.Time));
    }

    [Fact]
    public async Task A_session_reading_the_empty_tables_keeps_their_indexes_in_place_and_the_load_goes_on()
    {
        await ResetAsync();
        var migrated = await ReadKeyIndexesAsync();
        await using var reader = await OpenAsync();
        await using var readerTransaction = await reader.BeginTransactionAsync();
        await using (var read = new NpgsqlCommand("SELECT COUNT(*) FROM songplays", reader, readerTransaction))
        {
            await read.ExecuteScalarAsync();
        }

        await LoadAsync(Data.Events, Data.Songs);

        Assert.Equal(migrated, await ReadKeyIndexesAsync());
        AssertStar(Oracle.Derive(Data.Events, Data.Songs), await ReadStarAsync());
        await readerTransaction.RollbackAsync();
    }

    [Fact]
    public async Task A_rolled_back_transform_leaves_nothing_and_a_repeat_in_one_transaction_adds_nothing()
    {
        await ResetAsync();
        await LoadAsync(Data.EarlierDays, Data.Songs);
        var before = await ReadStarAsync();
        await StageAsync(Data.LaterDays, Data.Songs);

        await using (var connection = await OpenAsync())
        {
            await using var transaction = await connection.BeginTransactionAsync();
            var first = await TransformRunner.ApplyAsync(connection, WarehouseProvider.Postgres, fullRefresh: false, CancellationToken.None);
            var second = await TransformRunner.ApplyAsync(connection, WarehouseProvider.Postgres, fullRefresh: false, CancellationToken.None);
            Assert.True(first.SongPlays > 0);
            Assert.Equal(new TransformCounts(0, 0, 0, 0, 0), second);
            await transaction.RollbackAsync();
        }

        AssertStar(before, await ReadStarAsync());
    }

    [Fact]
    public void Unchanged_staged_songs_skip_the_song_and_artist_steps_unless_the_star_tables_are_refreshed()
    {
        static string[] Tables(bool fullRefresh, bool songsUnchanged)
            => [.. StarSchemaTransform.Steps(WarehouseProvider.Postgres, fullRefresh, songsUnchanged).Select(s => s.Table).Distinct()];

        Assert.Equal(["staging_events", "users", "songplays", "time"], Tables(fullRefresh: false, songsUnchanged: true));
        // Songs staged: earlier plays that now match one of them are re-matched before users and new plays.
        Assert.Equal(["staging_events", "staging_songs", "songs", "artists", "songplays", "users", "time"], Tables(fullRefresh: false, songsUnchanged: false));
        Assert.Equal(Tables(fullRefresh: true, songsUnchanged: false), Tables(fullRefresh: true, songsUnchanged: true));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Every_redshift_statement_parses_as_redshift_sql(bool fullRefresh)
    {
        var steps = StarSchemaTransform.Steps(WarehouseProvider.Redshift, fullRefresh);
        await AssertEachParsesAsync(Sqlfluff.Redshift, [.. steps.Select(s => s.Sql)]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Every_postgres_statement_parses_as_postgres_sql(bool fullRefresh)
    {
        // sqlfluff 1.x knows neither data-modifying CTEs nor INSERT ... SELECT ... RETURNING, so the
        // statement that inserts plays and time rows together is checked by its parts here; the loader
        // tests run it whole on PostgreSQL.
        // Nor does it know a subquery's OFFSET without LIMIT, the optimization fence of the users step,
        // which is parsed without it.
        var steps = StarSchemaTransform.Steps(WarehouseProvider.Postgres, fullRefresh);
        const string Fence = "\n    OFFSET 0\n";
        Assert.Single(steps, s => s.Sql.Contains(Fence, StringComparison.Ordinal));
        // The DO blocks that build songplays and time anew run a SELECT sqlfluff sees only as a string: it
        // is among each block's parts.
        await AssertEachParsesAsync(Sqlfluff.Postgres, [.. steps.SelectMany(s => s.ReturnsCounts && s.Parts.Count > 0 ? s.Parts : [s.Sql.Replace(Fence, "\n", StringComparison.Ordinal), .. s.Parts])]);
        Assert.Equal(2, steps.Single(s => s.ReturnsCounts && s.Parts.Count > 0).Parts.Count);
        Assert.Equal(2, steps.Count(s => !s.ReturnsCounts && s.Parts.Count > 0));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Redshift_statements_avoid_what_redshift_lacks_and_postgres_differs_only_in_collation_and_refresh(bool fullRefresh)
    {
        var redshift = StarSchemaTransform.Steps(WarehouseProvider.Redshift, fullRefresh);
        var postgres = StarSchemaTransform.Steps(WarehouseProvider.Postgres, fullRefresh);
        string[] unsupported = ["ON CONFLICT", "DISTINCT ON", "IS DISTINCT FROM", "ARRAY", "GENERATE_SERIES", "RETURNING", "TRUNCATE", "COLLATE", "::", "ILIKE", "UNNEST", "SAVEPOINT"];
        foreach (var step in redshift)
        {
            foreach (var construct in unsupported)
            {
                Assert.DoesNotContain(construct, step.Sql, StringComparison.OrdinalIgnoreCase);
            }

            Assert.DoesNotContain(";", step.Sql, StringComparison.Ordinal);
        }

        // Outside the full-refresh statements, PostgreSQL's statistics (a setting and column lists),
        // each user's latest event and the fact and time inserts, the texts differ only by PostgreSQL's
        // COLLATE "C".
        static bool LatestUserEvents(TransformStep step) => step.Sql.StartsWith($"CREATE TEMP TABLE {StarSchemaTransform.UserCandidatesTable} ", StringComparison.Ordinal);
        static bool Shared(TransformStep step) => step.Table is not ("songplays" or "time") && !LatestUserEvents(step);
        static string WithoutColumnList(string sql) => sql.StartsWith("ANALYZE ", StringComparison.Ordinal) ? sql.Split(" (")[0] : sql;
        var redshiftMain = redshift.Where(s => Shared(s) && !s.Sql.StartsWith("DELETE", StringComparison.Ordinal)).Select(s => s.Sql);
        var postgresMain = postgres.Where(s => Shared(s) && !s.Sql.StartsWith("TRUNCATE", StringComparison.Ordinal) && !s.Sql.StartsWith("SET LOCAL", StringComparison.Ordinal)).Select(s => WithoutColumnList(s.Sql).Replace(" COLLATE \"C\"", "", StringComparison.Ordinal));
        Assert.Equal(redshiftMain, postgresMain);
        Assert.All(postgres.Where(s => s.Sql.StartsWith("ANALYZE ", StringComparison.Ordinal)), s => Assert.Matches(@"^ANALYZE staging_\w+ \([a-z_]+(, [a-z_]+)*\)$", s.Sql));
        Assert.Equal(fullRefresh ? 5 : 0, redshift.Count(s => s.Sql.StartsWith("DELETE FROM", StringComparison.Ordinal)));

        // Each user's latest event: Redshift ranks every event of the user; PostgreSQL aggregates each
        // user's greatest ts first. Both apply the same user-id rule and the same full order.
        var redshiftUsers = Squeeze(redshift.Single(LatestUserEvents).Sql);
        var postgresUsers = Squeeze(postgres.Single(LatestUserEvents).Sql.Replace(" COLLATE \"C\"", "", StringComparison.Ordinal));
        Assert.Contains("ROW_NUMBER() OVER ( PARTITION BY CAST(e.user_id AS INTEGER) ORDER BY", redshiftUsers, StringComparison.Ordinal);
        Assert.Contains("GROUP BY x.user_id", postgresUsers, StringComparison.Ordinal);
        Assert.Contains("SELECT DISTINCT ON (CAST(e.user_id AS INTEGER))", postgresUsers, StringComparison.Ordinal);
        Assert.Contains("e.level, e.first_name, e.last_name, e.gender", redshiftUsers, StringComparison.Ordinal);
        Assert.Contains("e.level, e.first_name, e.last_name, e.gender", postgresUsers, StringComparison.Ordinal);
        Assert.All(new[] { redshiftUsers, postgresUsers }, sql => Assert.Contains("WHERE " + Squeeze(StarSchemaTransform.ValidUserId), sql, StringComparison.Ordinal));

        // PostgreSQL inserts plays and their time rows in one statement. Its plays insert reads the
        // same events, matched to the same songs, with the same filter, picks the same winners and
        // songs in the same order (DISTINCT ON where Redshift numbers rows) and skips the same
        // already-loaded plays.
        var redshiftPlays = Squeeze(redshift.Single(s => s.Table == "songplays" && s.Sql.StartsWith("INSERT", StringComparison.Ordinal)).Sql);
        var postgresPlays = Squeeze(postgres.Single(s => s.ReturnsCounts && s.Parts.Count > 0).Sql.Replace(" COLLATE \"C\"", "", StringComparison.Ordinal));
        foreach (var shared in new[]
        {
            "FROM staging_events AS e LEFT JOIN songs AS s ON s.title = e.song AND s.artist_name = e.artist AND s.duration = e.length WHERE e.page = 'NextSong' AND e.ts IS NOT NULL AND e.session_id IS NOT NULL AND e.item_in_session IS NOT NULL AND",
            "PARTITION BY CAST(e.user_id AS INTEGER), e.session_id, e.item_in_session ORDER BY e.ts DESC, e.level, e.song, e.artist, e.length, e.location, e.user_agent, s.song_id)",
            "NOT EXISTS ( SELECT 1 FROM songplays AS x WHERE x.user_id = p.user_id AND x.session_id = p.session_id AND x.item_in_session = p.item_in_session )",
        })
        {
            Assert.Contains(shared, redshiftPlays, StringComparison.Ordinal);
        }

        Assert.Contains("DISTINCT ON (CAST(e.user_id AS INTEGER), e.session_id, e.item_in_session)", postgresPlays, StringComparison.Ordinal);

        // Neither ranks the songs by their match key: that sorted every song of the warehouse on every
        // load, however small the batch.
        Assert.DoesNotContain("PARTITION BY s.title", redshiftPlays, StringComparison.Ordinal);
        Assert.DoesNotContain("DISTINCT ON (s.title", postgresPlays, StringComparison.Ordinal);
        Assert.Contains("ORDER BY CAST(e.user_id AS INTEGER), e.session_id, e.item_in_session, e.ts DESC, e.level, e.song, e.artist, e.length, e.location, e.user_agent, s.song_id", postgresPlays, StringComparison.Ordinal);
        Assert.Contains(redshiftPlays[redshiftPlays.IndexOf(") AS p WHERE", StringComparison.Ordinal)..].Replace("WHERE p.rn = 1 AND ", "WHERE ", StringComparison.Ordinal), postgresPlays, StringComparison.Ordinal);
        Assert.Contains("INSERT INTO \"time\"", postgresPlays, StringComparison.Ordinal);
    }

    private static string Squeeze(string sql) => string.Join(' ', sql.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));

    // ----------------------------------------------------------------------------------------------
    // Loading and reading

    private static int CountNewUsers(IReadOnlyList<EventRecord> batch, IReadOnlyList<EventRecord> alreadyLoaded)
    {
        var known = alreadyLoaded.Where(e => Oracle.TryParseUserId(e.UserId, out _)).Select(e => Oracle.ParseUserId(e.UserId!)).ToHashSet();
        return batch.Where(e => Oracle.TryParseUserId(e.UserId, out _)).Select(e => Oracle.ParseUserId(e.UserId!)).Distinct().Count(id => !known.Contains(id));
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>The indexes of songplays and time: object id and definition (with the constraint each backs), in name order.</summary>
    private async Task<List<(uint Oid, string Definition)>> ReadKeyIndexesAsync()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT i.indexrelid::oid, pg_get_indexdef(i.indexrelid) || COALESCE(' / ' || k.conname || ' ' || pg_get_constraintdef(k.oid), '')
            FROM pg_index AS i
            LEFT JOIN pg_constraint AS k ON k.conindid = i.indexrelid AND k.conrelid = i.indrelid
            WHERE i.indrelid IN ('songplays'::regclass, '"time"'::regclass)
            ORDER BY i.indexrelid::regclass::text
            """,
            connection);
        var indexes = new List<(uint, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            indexes.Add((reader.GetFieldValue<uint>(0), reader.GetString(1)));
        }

        return indexes;
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task ResetAsync()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(
            "TRUNCATE TABLE staging_events, staging_songs, songplays, users, songs, artists, \"time\" RESTART IDENTITY",
            connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>One load as the pipeline runs it: empty staging, stage the batch, transform, commit.</summary>
    private Task<(long Staged, TransformCounts Counts)> LoadAsync(
        IReadOnlyList<EventRecord> events, IReadOnlyList<SongRecord> songs, bool fullRefresh = false)
        => SampleWarehouse.LoadAsync(database.ConnectionString, events, songs, fullRefresh);

    private async Task<long> StageAsync(IReadOnlyList<EventRecord> events, IReadOnlyList<SongRecord> songs)
    {
        await using var connection = await OpenAsync();
        return await SampleWarehouse.StageAsync(connection, events, songs);
    }

    /// <summary>Parses the statements as one script in sqlfluff's <paramref name="dialect"/>: each must parse, as one statement of its own.</summary>
    private static Task AssertEachParsesAsync(string dialect, IReadOnlyList<string> statements)
        => Sqlfluff.AssertParsesAsync(string.Join(";\n", statements.Select(s => s.TrimEnd().TrimEnd(';'))) + ";\n", statements.Count, dialect);

    private Task<Star> ReadStarAsync() => StarTables.ReadStarAsync(database.ConnectionString);

    private async Task<List<(int, int, int, long)>> ReadSongPlayIdsAsync()
    {
        await using var connection = await OpenAsync();
        var rows = await StarTables.QueryAsync(connection, "SELECT user_id, session_id, item_in_session, songplay_id FROM songplays",
            r => (r.GetInt32(0), r.GetInt32(1), r.GetInt32(2), r.GetInt64(3)));
        return [.. rows.Order()];
    }
}
