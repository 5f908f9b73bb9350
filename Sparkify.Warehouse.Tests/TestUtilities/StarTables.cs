using Npgsql;

namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>Reads the star tables of a warehouse and compares them with what <see cref="Oracle"/> derives.</summary>
internal static class StarTables
{
    /// <summary>The star tables' contents (songplays without their identity), in a canonical order.</summary>
    public static async Task<Star> ReadStarAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return new Star(
            Order(await QueryAsync(connection,
                "SELECT start_time, user_id, level, song_id, artist_id, session_id, location, user_agent, item_in_session FROM songplays",
                r => new SongPlayRow(r.GetDateTime(0), r.GetInt32(1), Str(r, 2), Str(r, 3), Str(r, 4), r.GetInt32(5), Str(r, 6), Str(r, 7), r.GetInt32(8)))),
            Order(await QueryAsync(connection,
                "SELECT user_id, first_name, last_name, gender, level, last_event_ts, last_item_in_session FROM users",
                r => new UserRow(r.GetInt32(0), Str(r, 1), Str(r, 2), Str(r, 3), Str(r, 4), r.GetInt64(5), r.GetInt32(6)))),
            Order(await QueryAsync(connection,
                "SELECT song_id, title, artist_id, year, duration FROM songs",
                r => new SongRow(r.GetString(0), Str(r, 1), Str(r, 2), r.IsDBNull(3) ? null : r.GetInt32(3), r.IsDBNull(4) ? null : r.GetDouble(4)))),
            Order(await QueryAsync(connection,
                "SELECT artist_id, name, location, latitude, longitude, source_song_id FROM artists",
                r => new ArtistRow(r.GetString(0), Str(r, 1), Str(r, 2), r.IsDBNull(3) ? null : r.GetDouble(3), r.IsDBNull(4) ? null : r.GetDouble(4), r.GetString(5)))),
            Order(await QueryAsync(connection,
                "SELECT start_time, hour, day, week, month, year, weekday FROM \"time\"",
                r => new TimeRow(r.GetDateTime(0), r.GetInt32(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4), r.GetInt32(5), r.GetInt32(6)))));

        static string? Str(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
    }

    public static async Task<List<T>> QueryAsync<T>(NpgsqlConnection connection, string sql, Func<NpgsqlDataReader, T> map)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    // Both sides are put in one canonical order in C#, so the comparison never depends on a collation.
    public static List<SongPlayRow> Order(IEnumerable<SongPlayRow> rows) => [.. rows.OrderBy(p => p.UserId).ThenBy(p => p.SessionId).ThenBy(p => p.ItemInSession)];

    public static List<UserRow> Order(IEnumerable<UserRow> rows) => [.. rows.OrderBy(u => u.UserId)];

    public static List<SongRow> Order(IEnumerable<SongRow> rows) => [.. rows.OrderBy(s => s.SongId, StringComparer.Ordinal)];

    public static List<ArtistRow> Order(IEnumerable<ArtistRow> rows) => [.. rows.OrderBy(a => a.ArtistId, StringComparer.Ordinal)];

    public static List<TimeRow> Order(IEnumerable<TimeRow> rows) => [.. rows.OrderBy(t => t.StartTime)];

    public static void AssertStar(Star expected, Star actual)
    {
        Assert.Equal(expected.SongPlays.Count, actual.SongPlays.Count);
        Assert.Equal(expected.SongPlays, actual.SongPlays);
        Assert.Equal(expected.Users, actual.Users);
        Assert.Equal(expected.Songs, actual.Songs);
        Assert.Equal(expected.Artists, actual.Artists);
        Assert.Equal(expected.Time, actual.Time);
    }
}
