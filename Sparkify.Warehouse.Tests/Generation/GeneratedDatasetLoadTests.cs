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
            AssertStar(Oracle.Derive(RawRecords.Events(dataset.LogDataDirectory), RawRecords.Songs(dataset.SongDataDirectory)), await ReadStarAsync(database.ConnectionString));
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
