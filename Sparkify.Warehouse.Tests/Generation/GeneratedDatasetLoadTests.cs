using System.Text.Json;
using Npgsql;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Generation;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Tests.TestUtilities;
using static Sparkify.Warehouse.Tests.TestUtilities.StarTables;

namespace Sparkify.Warehouse.Tests.Generation;

public sealed class GeneratedDatasetLoadTests(MigratedDatabaseFixture database) : IClassFixture<MigratedDatabaseFixture>
{
    [Fact]
    public async Task A_generated_dataset_loads_without_rejects_and_matches_the_plays_the_generator_counted()
    {
        var folder = TempFolder.NewPath("gen-load");
        try
        {
            var dataset = await SparkifyDataGenerator.GenerateAsync(new GenerationOptions { OutputDirectory = folder, Songs = 150, Events = 3000, Days = 7, Seed = 11 });

            var result = await new WarehouseLoader(new WarehouseOptions { ConnectionString = database.ConnectionString }).LoadAsync(new LoadRequest
            {
                SongsSource = dataset.SongDataDirectory,
                EventsSource = dataset.LogDataDirectory,
                JsonPathsSource = dataset.JsonPathsFile,
            });

            Assert.Equal(LoadRunStatus.Succeeded, result.Status);
            Assert.Equal(0, result.Rejected);
            Assert.Equal((150L, 7L), (result.SongFiles, result.EventFiles));
            Assert.Equal((150L, 3000L), (result.SongsStaged, result.EventsStaged));
            Assert.Equal(dataset.SongPlays, result.SongPlaysInserted);
            Assert.Equal(dataset.Users, result.UsersUpserted);
            Assert.Equal(150, result.SongsInserted);
            Assert.Equal(dataset.Artists, result.ArtistsUpserted);

            // Exactly the plays the generator made of catalog songs find their song (about 85% of them).
            var matched = await ScalarAsync("SELECT COUNT(*) FROM songplays WHERE song_id IS NOT NULL AND artist_id IS NOT NULL");
            Assert.Equal(dataset.MatchedSongPlays, matched);
            Assert.InRange((double)matched / result.SongPlaysInserted, 0.75, 0.95);
            Assert.True(await ScalarAsync("SELECT COUNT(*) FROM users WHERE level = 'paid'") > 0);
            Assert.True(await ScalarAsync("SELECT COUNT(*) FROM users WHERE level = 'free'") > 0);

            // And the star tables are what the contract derives from these files.
            AssertStar(Oracle.Derive(ReadEvents(dataset.LogDataDirectory), ReadSongs(dataset.SongDataDirectory)), await ReadStarAsync(database.ConnectionString));
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    private static List<EventRecord> ReadEvents(string logData) =>
    [
        .. Directory.GetFiles(logData, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .SelectMany(File.ReadLines)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Select(e => new EventRecord(
                Text(e, "artist"), Text(e, "auth"), Text(e, "firstName"), Text(e, "gender"), e.GetProperty("itemInSession").GetInt32(),
                Text(e, "lastName"), Number(e, "length"), Text(e, "level"), Text(e, "location"), Text(e, "method"), Text(e, "page"),
                Number(e, "registration"), e.GetProperty("sessionId").GetInt32(), Text(e, "song"), e.GetProperty("status").GetInt32(),
                e.GetProperty("ts").GetInt64(), Text(e, "userAgent"), Text(e, "userId"))),
    ];

    private static List<SongRecord> ReadSongs(string songData) =>
    [
        .. Directory.GetFiles(songData, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .SelectMany(path => GeneratedData.ParseObjects(File.ReadAllText(path)))
            .Select(s => new SongRecord(
                s.GetProperty("num_songs").GetInt32(), Text(s, "artist_id"), Number(s, "artist_latitude"), Number(s, "artist_longitude"),
                Text(s, "artist_location"), Text(s, "artist_name"), Text(s, "song_id"), Text(s, "title"), Number(s, "duration"), s.GetProperty("year").GetInt32())),
    ];

    private static string? Text(JsonElement e, string key) => e.GetProperty(key).ValueKind == JsonValueKind.Null ? null : e.GetProperty(key).GetString();

    private static double? Number(JsonElement e, string key) => e.GetProperty(key).ValueKind == JsonValueKind.Null ? null : e.GetProperty(key).GetDouble();

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
