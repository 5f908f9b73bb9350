using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Sparkify.Warehouse.Queries;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Queries;

/// <summary>
/// What the real sample cannot show (it has one matched play and no ties in text that a collation
/// would reorder): code point order with NULL last on a database whose collation disagrees, ROUND's
/// half-away-from-zero, and the window's inclusive/exclusive ends. Each case lives on its own day
/// so that <see cref="SongPlayFilters.Between"/> isolates it.
/// </summary>
public sealed class SongPlayQueriesEdgeTests : IClassFixture<EnUsDatabaseFixture>, IAsyncLifetime
{
    private static readonly DateTime Ranking = new(2020, 1, 1);
    private static readonly DateTime Locations = new(2020, 2, 1);
    private static readonly DateTime Levels = new(2020, 3, 1);
    private static readonly DateTime Boundaries = new(2020, 4, 1);

    private readonly EnUsDatabaseFixture _database;
    private int _session;

    public SongPlayQueriesEdgeTests(EnUsDatabaseFixture database) => _database = database;

    public async Task InitializeAsync()
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, "TRUNCATE TABLE songplays, songs, artists, users, \"time\"");
        await ExecuteAsync(connection, """
            INSERT INTO artists (artist_id, name, location, latitude, longitude, source_song_id) VALUES
                ('ARa', 'alpha', NULL, NULL, NULL, 'SOa'),
                ('ARB', 'Beta', NULL, NULL, NULL, 'SOB'),
                ('ARb', 'beta', NULL, NULL, NULL, 'SOZ')
            """);
        await ExecuteAsync(connection, """
            INSERT INTO songs (song_id, title, artist_id, year, duration) VALUES
                ('SOtop', 'Top', 'ARa', 2000, 1),
                ('SOB', 'B', 'ARB', 2000, 1),
                ('SOZ', 'Z', 'ARb', 2000, 1),
                ('SO_1', 'underscore', 'ARa', 2000, 1),
                ('SOa', 'a', 'ARa', 2000, 1)
            """);

        // Ranking: SOtop 3 plays, then four songs tied on 2 plays whose ids a linguistic collation
        // orders differently from code points.
        foreach (var (song, artist, plays) in new[] { ("SOtop", "ARa", 3), ("SOa", "ARa", 2), ("SO_1", "ARa", 2), ("SOZ", "ARb", 2), ("SOB", "ARB", 2) })
        {
            for (var i = 0; i < plays; i++)
            {
                await InsertPlayAsync(connection, Ranking.AddMinutes(_session), 1, "paid", song, artist, "Top City");
            }
        }

        // Locations tied on 4 plays each, NULL among them.
        foreach (var location in new[] { "émile", null, "a-town", "Zed", "B-town" })
        {
            for (var i = 0; i < 4; i++)
            {
                await InsertPlayAsync(connection, Locations.AddMinutes(_session), 1, "free", null, null, location);
            }
        }

        // Levels: 17 plays by 8 users (2.125), 9 by 8 (1.125), 5 by 3 (1.666...), 1 by 1 at NULL.
        foreach (var (level, users, plays) in new (string?, int, int)[] { ("free", 8, 17), ("Paid", 8, 9), ("paid", 3, 5), (null, 1, 1) })
        {
            for (var i = 0; i < plays; i++)
            {
                await InsertPlayAsync(connection, Levels.AddMinutes(_session), 100 + (i % users), level, null, null, "x");
            }
        }

        // Boundaries: the first and last millisecond of a day, and the first of the next.
        foreach (var at in new[] { Boundaries, Boundaries.AddDays(1).AddMilliseconds(-1), Boundaries.AddDays(1) })
        {
            await InsertPlayAsync(connection, at, 7, "free", null, null, "x");
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_database_collation_really_disagrees_with_code_point_order()
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT song_id FROM songs ORDER BY song_id", connection);
        var linguistic = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                linguistic.Add(reader.GetString(0));
            }
        }

        Assert.NotEqual(linguistic.Order(StringComparer.Ordinal), linguistic);
    }

    [Fact]
    public async Task Top_songs_and_artists_break_ties_by_code_point()
    {
        await using var context = _database.CreateContext();
        var day = context.SongPlays.Between(Ranking, Ranking.AddDays(1));

        var songs = await day.TopSongs().ToListAsync();
        var artists = await day.TopArtists().ToListAsync();
        var top2 = await day.TopSongs(limit: 2).ToListAsync();

        Assert.Equal(["SOtop", "SOB", "SOZ", "SO_1", "SOa"], songs.Select(s => s.SongId));
        Assert.Equal([3L, 2, 2, 2, 2], songs.Select(s => s.Plays));
        Assert.Equal(new TopSongRow { SongId = "SOZ", Title = "Z", ArtistName = "beta", Plays = 2 }, songs[2]);
        Assert.Equal(["ARa", "ARB", "ARb"], artists.Select(a => a.ArtistId));
        Assert.Equal([7L, 2, 2], artists.Select(a => a.Plays));
        Assert.Equal(["SOtop", "SOB"], top2.Select(s => s.SongId));
    }

    [Fact]
    public async Task Top_locations_break_ties_by_code_point_with_null_last()
    {
        await using var context = _database.CreateContext();

        var locations = await context.SongPlays.Between(Ranking, Locations.AddDays(1)).TopLocations().ToListAsync();

        Assert.Equal(["Top City", "B-town", "Zed", "a-town", "émile", null], locations.Select(l => l.Location));
        Assert.Equal([11L, 4, 4, 4, 4, 4], locations.Select(l => l.Plays));
    }

    [Fact]
    public async Task Level_comparison_rounds_half_away_from_zero_and_orders_levels_by_code_point_with_null_last()
    {
        await using var context = _database.CreateContext();

        var levels = await context.SongPlays.Between(Levels, Levels.AddDays(1)).LevelComparison().ToListAsync();

        Assert.Equal(
            [
                new LevelComparisonRow { Level = "Paid", Users = 8, Plays = 9, PlaysPerUser = 1.13m },
                new LevelComparisonRow { Level = "free", Users = 8, Plays = 17, PlaysPerUser = 2.13m },
                new LevelComparisonRow { Level = "paid", Users = 3, Plays = 5, PlaysPerUser = 1.67m },
                new LevelComparisonRow { Level = null, Users = 1, Plays = 1, PlaysPerUser = 1m },
            ],
            levels);

        // .NET's default (half to even) would have said 2.12 and 1.12.
        Assert.Equal(2.12m, Math.Round(17m / 8, 2));
    }

    [Fact]
    public async Task Window_includes_from_and_excludes_to_to_the_millisecond()
    {
        await using var context = _database.CreateContext();
        var day = context.SongPlays.Between(Boundaries, Boundaries.AddDays(1));

        var history = await day.UserHistory(7).ToListAsync();
        var dau = await day.DailyActiveUsers().ToListAsync();
        var allDays = await context.SongPlays.Between(Boundaries, null).DailyActiveUsers().ToListAsync();
        var hours = await day.PlaysByHourAsync();

        Assert.Equal([Boundaries, Boundaries.AddDays(1).AddMilliseconds(-1)], history.Select(h => h.StartTime));
        Assert.Equal([new DailyActiveUsersRow { Date = DateOnly.FromDateTime(Boundaries), Users = 1 }], dau);
        Assert.Equal([DateOnly.FromDateTime(Boundaries), DateOnly.FromDateTime(Boundaries.AddDays(1))], allDays.Select(d => d.Date));
        Assert.Equal([1L, .. Enumerable.Repeat(0L, 22), 1L], hours.Select(h => h.Plays));
    }

    [Fact]
    public async Task Plays_by_weekday_has_zeros_for_days_without_plays()
    {
        await using var context = _database.CreateContext();

        // 2020-04-01 is a Wednesday (3).
        var days = await context.SongPlays.Between(Boundaries, Boundaries.AddDays(1)).PlaysByWeekdayAsync();

        Assert.Equal([0L, 0, 0, 2, 0, 0, 0], days.Select(d => d.Plays));
        Assert.Equal(3, (int)Boundaries.DayOfWeek);
    }

    private async Task InsertPlayAsync(NpgsqlConnection connection, DateTime startTime, int userId, string? level, string? songId, string? artistId, string? location)
    {
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO songplays (start_time, user_id, level, song_id, artist_id, session_id, location, user_agent, item_in_session)
            VALUES (@start, @user, @level, @song, @artist, @session, @location, 'test', 0)
            """, connection);
        command.Parameters.AddWithValue("start", NpgsqlDbType.Timestamp, startTime);
        command.Parameters.AddWithValue("user", userId);
        command.Parameters.AddWithValue("level", NpgsqlDbType.Varchar, (object?)level ?? DBNull.Value);
        command.Parameters.AddWithValue("song", NpgsqlDbType.Varchar, (object?)songId ?? DBNull.Value);
        command.Parameters.AddWithValue("artist", NpgsqlDbType.Varchar, (object?)artistId ?? DBNull.Value);
        command.Parameters.AddWithValue("session", Interlocked.Increment(ref _session));
        command.Parameters.AddWithValue("location", NpgsqlDbType.Varchar, (object?)location ?? DBNull.Value);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
