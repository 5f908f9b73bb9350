using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using NpgsqlTypes;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Loading.Transform;

namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>One staged app event, field for field as <c>staging_events</c> holds it.</summary>
internal sealed record EventRecord(
    string? Artist, string? Auth, string? FirstName, string? Gender, int? ItemInSession, string? LastName,
    double? Length, string? Level, string? Location, string? Method, string? Page, double? Registration,
    int? SessionId, string? Song, int? Status, long? Ts, string? UserAgent, string? UserId);

/// <summary>One staged song, field for field as <c>staging_songs</c> holds it.</summary>
internal sealed record SongRecord(
    int? NumSongs, string? ArtistId, double? ArtistLatitude, double? ArtistLongitude, string? ArtistLocation,
    string? ArtistName, string? SongId, string? Title, double? Duration, int? Year);

/// <summary>
/// The real sample (<see cref="TestEnvironment.SampleData"/>), read with System.Text.Json
/// independently of the production parser, so tests that use it do not inherit that parser's bugs.
/// Read once per test run.
/// </summary>
internal sealed class SampleRecords
{
    private static readonly Lazy<SampleRecords> Lazy = new(Read);
    private readonly Dictionary<int, List<EventRecord>> _byDay;

    private SampleRecords(IReadOnlyList<SongRecord> songs, Dictionary<int, List<EventRecord>> byDay)
    {
        Songs = songs;
        _byDay = byDay;
        Events = [.. byDay.OrderBy(d => d.Key).SelectMany(d => d.Value)];
        EarlierDays = [.. byDay.Where(d => d.Key <= 15).OrderBy(d => d.Key).SelectMany(d => d.Value)];
        LaterDays = [.. byDay.Where(d => d.Key > 15).OrderBy(d => d.Key).SelectMany(d => d.Value)];
    }

    public static SampleRecords Instance => Lazy.Value;

    public IReadOnlyList<SongRecord> Songs { get; }

    /// <summary>Every event of November 2018, in file order.</summary>
    public IReadOnlyList<EventRecord> Events { get; }

    /// <summary>Events of 1–15 November 2018 (batch A).</summary>
    public IReadOnlyList<EventRecord> EarlierDays { get; }

    /// <summary>Events of 16–30 November 2018 (batch B).</summary>
    public IReadOnlyList<EventRecord> LaterDays { get; }

    public IReadOnlyList<EventRecord> EventsOfDay(int day) => _byDay[day];

    private static SampleRecords Read()
    {
        var songs = RawRecords.Songs(TestEnvironment.SampleSongs);
        var byDay = new Dictionary<int, List<EventRecord>>();
        foreach (var file in RawRecords.Files(TestEnvironment.SampleLogs))
        {
            var day = int.Parse(Regex.Match(Path.GetFileName(file), @"^\d{4}-\d{2}-(\d{2})-events\.json$").Groups[1].Value, CultureInfo.InvariantCulture);
            byDay.Add(day, RawRecords.EventsOfFile(file));
        }

        Assert.Equal(71, songs.Count);
        Assert.Equal(30, byDay.Count);
        return new SampleRecords(songs, byDay);
    }
}

/// <summary>
/// Event logs and song files read with System.Text.Json, independently of the production parser, for
/// the test oracle: a log is one event per non-blank line, a song file one or more objects, each
/// possibly spread over several lines; a missing key or JSON null is null.
/// </summary>
internal static class RawRecords
{
    /// <summary>Every <c>*.json</c> file under <paramref name="folder"/>, in code-point order of their paths.</summary>
    public static IEnumerable<string> Files(string folder)
        => Directory.GetFiles(folder, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    /// <summary>Every event of every log file under <paramref name="folder"/>, file by file.</summary>
    public static List<EventRecord> Events(string folder) => [.. Files(folder).SelectMany(EventsOfFile)];

    /// <summary>Every song of every song file under <paramref name="folder"/>, file by file.</summary>
    public static List<SongRecord> Songs(string folder) => [.. Files(folder).SelectMany(SongsOfFile)];

    public static List<EventRecord> EventsOfFile(string path)
        => [.. File.ReadLines(path, Encoding.UTF8).Where(l => !string.IsNullOrWhiteSpace(l)).Select(Event)];

    public static List<SongRecord> SongsOfFile(string path)
    {
        var songs = new List<SongRecord>();
        var reader = new Utf8JsonReader(File.ReadAllBytes(path), new JsonReaderOptions { AllowMultipleValues = true });
        while (reader.Read())
        {
            var song = JsonElement.ParseValue(ref reader);
            songs.Add(new SongRecord(
                Int(song, "num_songs"), Text(song, "artist_id"), Number(song, "artist_latitude"), Number(song, "artist_longitude"),
                Text(song, "artist_location"), Text(song, "artist_name"), Text(song, "song_id"), Text(song, "title"),
                Number(song, "duration"), Int(song, "year")));
        }

        return songs;
    }

    /// <summary>One line of an event log.</summary>
    public static EventRecord Event(string line)
    {
        var e = JsonDocument.Parse(line).RootElement;
        return new EventRecord(
            Text(e, "artist"), Text(e, "auth"), Text(e, "firstName"), Text(e, "gender"), Int(e, "itemInSession"),
            Text(e, "lastName"), Number(e, "length"), Text(e, "level"), Text(e, "location"), Text(e, "method"),
            Text(e, "page"), Number(e, "registration"), Int(e, "sessionId"), Text(e, "song"), Int(e, "status"),
            Long(e, "ts"), Text(e, "userAgent"), Text(e, "userId"));
    }

    private static JsonElement? Value(JsonElement obj, string name)
        => obj.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    private static string? Text(JsonElement obj, string name) => Value(obj, name)?.GetString();

    private static double? Number(JsonElement obj, string name) => Value(obj, name)?.GetDouble();

    private static int? Int(JsonElement obj, string name) => Value(obj, name)?.GetInt32();

    private static long? Long(JsonElement obj, string name) => Value(obj, name)?.GetInt64();
}

/// <summary>
/// Builds a warehouse from records the way a load does, without the production loader: empty
/// staging, binary-COPY the records into it, then run <see cref="StarSchemaTransform"/> and record a
/// succeeded <c>load_runs</c> row in one transaction.
/// </summary>
internal static class SampleWarehouse
{
    /// <summary>Loads the whole sample into an already migrated database.</summary>
    public static Task<(long Staged, TransformCounts Counts)> LoadSampleAsync(string connectionString)
        => LoadAsync(connectionString, SampleRecords.Instance.Events, SampleRecords.Instance.Songs);

    /// <summary>One load: stage, transform and record the run; returns the events staged and the rows the transform wrote.</summary>
    public static async Task<(long Staged, TransformCounts Counts)> LoadAsync(
        string connectionString, IReadOnlyList<EventRecord> events, IReadOnlyList<SongRecord> songs, bool fullRefresh = false)
    {
        var startedAt = DateTime.UtcNow;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var staged = await StageAsync(connection, events, songs);

        await using var transaction = await connection.BeginTransactionAsync();
        var counts = await TransformRunner.ApplyAsync(connection, WarehouseProvider.Postgres, fullRefresh, CancellationToken.None);
        await using (var run = new NpgsqlCommand(
            """
            INSERT INTO load_runs (
                run_id, started_at, finished_at, status, sources, events_staged, songs_staged, rows_rejected,
                songplays_inserted, users_upserted, songs_inserted, artists_upserted, time_inserted, error)
            VALUES (@id, @started, @finished, @status, @sources, @events, @songs, 0, @plays, @users, @songsInserted, @artists, @time, NULL)
            """, connection, transaction))
        {
            run.Parameters.AddWithValue("id", Guid.NewGuid().ToString());
            run.Parameters.AddWithValue("started", NpgsqlDbType.Timestamp, DateTime.SpecifyKind(startedAt, DateTimeKind.Unspecified));
            run.Parameters.AddWithValue("finished", NpgsqlDbType.Timestamp, DateTime.SpecifyKind(DateTime.UtcNow, DateTimeKind.Unspecified));
            run.Parameters.AddWithValue("status", LoadRunStatus.Succeeded);
            run.Parameters.AddWithValue("sources", "test records (SampleWarehouse)");
            run.Parameters.AddWithValue("events", (long)events.Count);
            run.Parameters.AddWithValue("songs", (long)songs.Count);
            run.Parameters.AddWithValue("plays", counts.SongPlays);
            run.Parameters.AddWithValue("users", counts.Users);
            run.Parameters.AddWithValue("songsInserted", counts.Songs);
            run.Parameters.AddWithValue("artists", counts.Artists);
            run.Parameters.AddWithValue("time", counts.Time);
            await run.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
        return (staged, counts);
    }

    /// <summary>Empties both staging tables and binary-COPYs the records in; returns the events now staged.</summary>
    public static async Task<long> StageAsync(NpgsqlConnection connection, IReadOnlyList<EventRecord> events, IReadOnlyList<SongRecord> songs)
    {
        await using (var truncate = new NpgsqlCommand("TRUNCATE TABLE staging_events, staging_songs", connection))
        {
            await truncate.ExecuteNonQueryAsync();
        }

        await using (var writer = await connection.BeginBinaryImportAsync(
            "COPY staging_events (artist, auth, first_name, gender, item_in_session, last_name, length, level, location, method, "
            + "page, registration, session_id, song, status, ts, user_agent, user_id) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var e in events)
            {
                await writer.StartRowAsync();
                await WriteAsync(writer, e.Artist, NpgsqlDbType.Varchar);
                await WriteAsync(writer, e.Auth, NpgsqlDbType.Varchar);
                await WriteAsync(writer, e.FirstName, NpgsqlDbType.Varchar);
                await WriteAsync(writer, e.Gender, NpgsqlDbType.Varchar);
                await WriteAsync(writer, e.ItemInSession, NpgsqlDbType.Integer);
                await WriteAsync(writer, e.LastName, NpgsqlDbType.Varchar);
                await WriteAsync(writer, e.Length, NpgsqlDbType.Double);
                await WriteAsync(writer, e.Level, NpgsqlDbType.Varchar);
                await WriteAsync(writer, e.Location, NpgsqlDbType.Varchar);
                await WriteAsync(writer, e.Method, NpgsqlDbType.Varchar);
                await WriteAsync(writer, e.Page, NpgsqlDbType.Varchar);
                await WriteAsync(writer, e.Registration, NpgsqlDbType.Double);
                await WriteAsync(writer, e.SessionId, NpgsqlDbType.Integer);
                await WriteAsync(writer, e.Song, NpgsqlDbType.Varchar);
                await WriteAsync(writer, e.Status, NpgsqlDbType.Integer);
                await WriteAsync(writer, e.Ts, NpgsqlDbType.Bigint);
                await WriteAsync(writer, e.UserAgent, NpgsqlDbType.Varchar);
                await WriteAsync(writer, e.UserId, NpgsqlDbType.Varchar);
            }

            await writer.CompleteAsync();
        }

        await using (var writer = await connection.BeginBinaryImportAsync(
            "COPY staging_songs (num_songs, artist_id, artist_latitude, artist_longitude, artist_location, artist_name, "
            + "song_id, title, duration, year) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var s in songs)
            {
                await writer.StartRowAsync();
                await WriteAsync(writer, s.NumSongs, NpgsqlDbType.Integer);
                await WriteAsync(writer, s.ArtistId, NpgsqlDbType.Varchar);
                await WriteAsync(writer, s.ArtistLatitude, NpgsqlDbType.Double);
                await WriteAsync(writer, s.ArtistLongitude, NpgsqlDbType.Double);
                await WriteAsync(writer, s.ArtistLocation, NpgsqlDbType.Varchar);
                await WriteAsync(writer, s.ArtistName, NpgsqlDbType.Varchar);
                await WriteAsync(writer, s.SongId, NpgsqlDbType.Varchar);
                await WriteAsync(writer, s.Title, NpgsqlDbType.Varchar);
                await WriteAsync(writer, s.Duration, NpgsqlDbType.Double);
                await WriteAsync(writer, s.Year, NpgsqlDbType.Integer);
            }

            await writer.CompleteAsync();
        }

        await using var count = new NpgsqlCommand("SELECT COUNT(*) FROM staging_events", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    private static Task WriteAsync<T>(NpgsqlBinaryImporter writer, T? value, NpgsqlDbType type)
        => value is null ? writer.WriteNullAsync() : writer.WriteAsync(value, type);
}
