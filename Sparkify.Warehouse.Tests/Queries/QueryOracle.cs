using System.Globalization;
using Npgsql;
using Sparkify.Warehouse.Queries;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Queries;

/// <summary>A set of analyst filters, as the CLI's <c>--from</c>/<c>--to</c>/<c>--level</c> give them.</summary>
public sealed record QueryFilter(string Name, DateTime? From = null, DateTime? To = null, string? Level = null)
{
    /// <summary>The filter sets the comparisons run with, by name (xunit theory data must be serialisable).</summary>
    public static IReadOnlyDictionary<string, QueryFilter> All { get; } = new[]
    {
        new QueryFilter("none"),
        new QueryFilter("paid", Level: "paid"),
        new QueryFilter("free", Level: "free"),
        new QueryFilter("window", new DateTime(2018, 11, 10), new DateTime(2018, 11, 20, 12, 0, 0)),
        new QueryFilter("from-only", From: new DateTime(2018, 11, 25, 6, 30, 0)),
        new QueryFilter("to-only-free", To: new DateTime(2018, 11, 5), Level: "free"),
        new QueryFilter("window-paid", new DateTime(2018, 11, 3), new DateTime(2018, 11, 17), "paid"),
    }.ToDictionary(f => f.Name);

    public static TheoryData<string> Names => [.. All.Keys];

    public bool Matches(DateTime startTime, string? level)
        => (From is null || startTime >= From) && (To is null || startTime < To) && (Level is null || level == Level);

    /// <summary>The same filter as a SQL condition on <c>songplays AS sp</c>, written by hand with literals.</summary>
    public string Sql()
    {
        var parts = new List<string> { "TRUE" };
        if (From is { } f)
        {
            parts.Add($"sp.start_time >= TIMESTAMP '{f:yyyy-MM-dd HH:mm:ss}'");
        }

        if (To is { } t)
        {
            parts.Add($"sp.start_time < TIMESTAMP '{t:yyyy-MM-dd HH:mm:ss}'");
        }

        if (Level is { } l)
        {
            parts.Add($"sp.level = '{l}'");
        }

        return string.Join(" AND ", parts);
    }
}

/// <summary>
/// Expected answers computed without the library: hand-written PostgreSQL over the star tables (using
/// PostgreSQL-only conveniences the library may not use, like <c>generate_series</c>), and plain C#
/// over the raw JSON events.
/// </summary>
internal static class QueryOracle
{
    // ------------------------------------------------------------------------------------------
    // Hand-written SQL

    public static Task<List<TopSongRow>> TopSongsAsync(string cs, QueryFilter filter, int limit) => QueryAsync(cs, $"""
        WITH counted AS (
            SELECT sp.song_id, COUNT(*) AS plays
            FROM songplays AS sp
            WHERE sp.song_id IS NOT NULL AND {filter.Sql()}
            GROUP BY sp.song_id
        )
        SELECT c.song_id, s.title, a.name, c.plays
        FROM counted AS c
        LEFT JOIN songs AS s ON s.song_id = c.song_id
        LEFT JOIN artists AS a ON a.artist_id = s.artist_id
        ORDER BY c.plays DESC, c.song_id COLLATE "C"
        LIMIT {limit}
        """, r => new TopSongRow { SongId = r.GetString(0), Title = Str(r, 1), ArtistName = Str(r, 2), Plays = r.GetInt64(3) });

    public static Task<List<TopArtistRow>> TopArtistsAsync(string cs, QueryFilter filter, int limit) => QueryAsync(cs, $"""
        WITH counted AS (
            SELECT sp.artist_id, COUNT(*) AS plays
            FROM songplays AS sp
            WHERE sp.artist_id IS NOT NULL AND {filter.Sql()}
            GROUP BY sp.artist_id
        )
        SELECT c.artist_id, a.name, c.plays
        FROM counted AS c
        LEFT JOIN artists AS a ON a.artist_id = c.artist_id
        ORDER BY c.plays DESC, c.artist_id COLLATE "C"
        LIMIT {limit}
        """, r => new TopArtistRow { ArtistId = r.GetString(0), Name = Str(r, 1), Plays = r.GetInt64(2) });

    public static Task<List<TopLocationRow>> TopLocationsAsync(string cs, QueryFilter filter, int limit) => QueryAsync(cs, $"""
        SELECT sp.location, COUNT(*) AS plays
        FROM songplays AS sp
        WHERE {filter.Sql()}
        GROUP BY sp.location
        ORDER BY plays DESC, sp.location COLLATE "C" ASC NULLS LAST
        LIMIT {limit}
        """, r => new TopLocationRow { Location = Str(r, 0), Plays = r.GetInt64(1) });

    public static Task<List<PlaysByHourRow>> PlaysByHourAsync(string cs, QueryFilter filter) => QueryAsync(cs, $"""
        SELECT h.hour, COUNT(sp.songplay_id)
        FROM generate_series(0, 23) AS h(hour)
        LEFT JOIN songplays AS sp ON EXTRACT(HOUR FROM sp.start_time) = h.hour AND {filter.Sql()}
        GROUP BY h.hour
        ORDER BY h.hour
        """, r => new PlaysByHourRow { Hour = r.GetInt32(0), Plays = r.GetInt64(1) });

    public static Task<List<PlaysByWeekdayRow>> PlaysByWeekdayAsync(string cs, QueryFilter filter) => QueryAsync(cs, $"""
        SELECT d.dow, COUNT(sp.songplay_id)
        FROM generate_series(0, 6) AS d(dow)
        LEFT JOIN songplays AS sp ON EXTRACT(DOW FROM sp.start_time) = d.dow AND {filter.Sql()}
        GROUP BY d.dow
        ORDER BY d.dow
        """, r => new PlaysByWeekdayRow { Weekday = r.GetInt32(0), Plays = r.GetInt64(1) });

    public static Task<List<LevelComparisonRow>> LevelComparisonAsync(string cs, QueryFilter filter) => QueryAsync(cs, $"""
        SELECT sp.level, COUNT(DISTINCT sp.user_id), COUNT(*), ROUND(COUNT(*) * 1.0 / COUNT(DISTINCT sp.user_id), 2)
        FROM songplays AS sp
        WHERE {filter.Sql()}
        GROUP BY sp.level
        ORDER BY sp.level COLLATE "C" NULLS LAST
        """, r => new LevelComparisonRow { Level = Str(r, 0), Users = r.GetInt64(1), Plays = r.GetInt64(2), PlaysPerUser = r.GetDecimal(3) });

    public static Task<List<DailyActiveUsersRow>> DailyActiveUsersAsync(string cs, QueryFilter filter) => QueryAsync(cs, $"""
        SELECT CAST(sp.start_time AS DATE) AS day, COUNT(DISTINCT sp.user_id)
        FROM songplays AS sp
        WHERE {filter.Sql()}
        GROUP BY day
        ORDER BY day
        """, r => new DailyActiveUsersRow { Date = DateOnly.FromDateTime(r.GetDateTime(0)), Users = r.GetInt64(1) });

    public static Task<List<UserHistoryRow>> UserHistoryAsync(string cs, QueryFilter filter, int userId) => QueryAsync(cs, $"""
        SELECT sp.start_time, sp.session_id, sp.song_id, s.title, a.name, sp.level
        FROM songplays AS sp
        LEFT JOIN songs AS s ON s.song_id = sp.song_id
        LEFT JOIN artists AS a ON a.artist_id = s.artist_id
        WHERE sp.user_id = {userId} AND {filter.Sql()}
        ORDER BY sp.start_time, sp.session_id, sp.item_in_session
        """, r => new UserHistoryRow
    {
        StartTime = r.GetDateTime(0), SessionId = r.GetInt32(1), SongId = Str(r, 2), Title = Str(r, 3), ArtistName = Str(r, 4), Level = Str(r, 5),
    });

    public static async Task<PlaySummaryRow> SummaryAsync(string cs, QueryFilter filter) => (await QueryAsync(cs, $"""
        SELECT COUNT(*), COUNT(DISTINCT sp.user_id), COUNT(sp.song_id), COUNT(DISTINCT sp.song_id), COUNT(DISTINCT sp.artist_id),
               MIN(sp.start_time), MAX(sp.start_time)
        FROM songplays AS sp
        WHERE {filter.Sql()}
        """, r => new PlaySummaryRow
    {
        Plays = r.GetInt64(0), Listeners = r.GetInt64(1), MatchedPlays = r.GetInt64(2), Songs = r.GetInt64(3), Artists = r.GetInt64(4),
        FirstPlay = r.IsDBNull(5) ? null : r.GetDateTime(5), LastPlay = r.IsDBNull(6) ? null : r.GetDateTime(6),
    })).Single();

    // ------------------------------------------------------------------------------------------
    // Plain C# over the raw JSON (no database, no transform)

    /// <summary>The plays derived from the raw sample events, filtered.</summary>
    public static IReadOnlyList<RawPlay> RawPlays(QueryFilter filter)
        => [.. PlaysOf(SampleRecords.Instance.Events.Select(e => (e.Ts, e.Page, e.UserId, e.Level, e.Location))).Where(p => filter.Matches(p.StartTime, p.Level))];

    /// <summary>The plays the contract derives from raw events: NextSong events of integer user ids, at the event's ts (UTC).</summary>
    public static IReadOnlyList<RawPlay> PlaysOf(IEnumerable<(long? Ts, string? Page, string? UserId, string? Level, string? Location)> events)
        => [.. events
            .Where(e => e.Page == "NextSong" && int.TryParse(e.UserId, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            .Select(e => new RawPlay(DateTimeOffset.FromUnixTimeMilliseconds(e.Ts!.Value).UtcDateTime, int.Parse(e.UserId!, CultureInfo.InvariantCulture), e.Level, e.Location))];

    public static List<PlaysByHourRow> RawPlaysByHour(QueryFilter filter) => ByHour(RawPlays(filter));

    public static List<PlaysByHourRow> ByHour(IReadOnlyList<RawPlay> plays)
        => [.. Enumerable.Range(0, 24).Select(h => new PlaysByHourRow { Hour = h, Plays = plays.LongCount(p => p.StartTime.Hour == h) })];

    public static List<PlaysByWeekdayRow> RawPlaysByWeekday(QueryFilter filter) => ByWeekday(RawPlays(filter));

    public static List<PlaysByWeekdayRow> ByWeekday(IReadOnlyList<RawPlay> plays)
        => [.. Enumerable.Range(0, 7).Select(d => new PlaysByWeekdayRow { Weekday = d, Plays = plays.LongCount(p => (int)p.StartTime.DayOfWeek == d) })];

    public static List<LevelComparisonRow> RawLevelComparison(QueryFilter filter) => LevelComparison(RawPlays(filter));

    public static List<LevelComparisonRow> LevelComparison(IReadOnlyList<RawPlay> plays)
        => [.. plays
            .GroupBy(p => p.Level)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var users = g.Select(p => p.UserId).Distinct().LongCount();
                var count = g.LongCount();
                return new LevelComparisonRow
                {
                    Level = g.Key, Users = users, Plays = count,
                    PlaysPerUser = Math.Round((decimal)count / users, 2, MidpointRounding.AwayFromZero),
                };
            })];

    public static List<DailyActiveUsersRow> RawDailyActiveUsers(QueryFilter filter) => DailyActiveUsers(RawPlays(filter));

    public static List<DailyActiveUsersRow> DailyActiveUsers(IReadOnlyList<RawPlay> plays)
        => [.. plays
            .GroupBy(p => DateOnly.FromDateTime(p.StartTime))
            .OrderBy(g => g.Key)
            .Select(g => new DailyActiveUsersRow { Date = g.Key, Users = g.Select(p => p.UserId).Distinct().LongCount() })];

    public static List<TopLocationRow> RawTopLocations(QueryFilter filter, int limit) => TopLocations(RawPlays(filter), limit);

    public static List<TopLocationRow> TopLocations(IReadOnlyList<RawPlay> plays, int limit)
        => [.. plays
            .GroupBy(p => p.Location)
            .Select(g => new TopLocationRow { Location = g.Key, Plays = g.LongCount() })
            .OrderByDescending(r => r.Plays)
            .ThenBy(r => r.Location is null)
            .ThenBy(r => r.Location, StringComparer.Ordinal)
            .Take(limit)];

    private static string? Str(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static async Task<List<T>> QueryAsync<T>(string connectionString, string sql, Func<NpgsqlDataReader, T> map)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(map(reader));
        }

        return rows;
    }
}

/// <summary>One play as the raw events give it.</summary>
public sealed record RawPlay(DateTime StartTime, int UserId, string? Level, string? Location);
