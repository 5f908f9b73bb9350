using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Generation;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Tests.Loading.Ledger;
using Sparkify.Warehouse.Tests.TestUtilities;
using static Sparkify.Warehouse.Tests.TestUtilities.StarTables;
using Stand = Sparkify.Warehouse.Tests.TestUtilities.RedshiftStandIn.RedshiftStandIn;

namespace Sparkify.Warehouse.Tests.RedshiftStandIn;

/// <summary>
/// The Redshift transform on generated data in two batches, through the stand-in: one batch holds most
/// of the events and a quarter of the songs, the other the last day and the rest of the songs, loaded in
/// either order. Played songs get second recordings with the same title, artist and duration under a
/// smaller or a larger song id (some under another artist), so which song a play ends with depends on
/// the smaller-song-id rule and on songs arriving after their plays. After each load the star tables
/// must equal the test oracle's derivation of every raw file loaded so far; the one record COPY rejects is
/// recorded with its line.
/// </summary>
public sealed class RedshiftGeneratedBatchesTests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    // The public bucket's name: the loader reads it anonymously, as s3rver needs.
    private const string Bucket = S3Settings.PublicSparkifyBucket;
    private const int Duplicated = 8;
    private const string SmallerId = "SO0DUPLICATE";
    private const string LargerId = "SOZZDUPLICATE";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Generated_batches_events_then_songs_or_songs_then_events_derive_the_oracles_star(bool eventsFirst)
    {
        using var folder = new ScratchFolder();
        var dataset = await SparkifyDataGenerator.GenerateAsync(new GenerationOptions
        {
            OutputDirectory = Path.Combine(folder.Path, "generated"), Songs = 300, Events = 3000, Days = 6, Seed = 29,
        });
        var batches = Split(dataset, folder.Path);
        // One record COPY rejects (its ts is not a number) in the events batch, after the batch's records were read for the oracle.
        var rejected = RawRecords.Files(batches[0].LogData).First();
        await File.AppendAllTextAsync(rejected, "{\"ts\": \"yesterday\", \"userId\": \"8\", \"page\": \"NextSong\"}\n");
        var prefix = $"batches-{Guid.NewGuid():N}";
        await s3.PutObjectAsync(Bucket, prefix + "/log_json_path.json", await File.ReadAllBytesAsync(dataset.JsonPathsFile));
        foreach (var batch in batches)
        {
            await s3.UploadFolderAsync(Bucket, $"{prefix}/{batch.Name}/song_data", batch.SongData);
            await s3.UploadFolderAsync(Bucket, $"{prefix}/{batch.Name}/log_data", batch.LogData);
        }

        await using var standIn = await Stand.StartAsync(s3.Client);
        await using (var context = new WarehouseDbContext(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse(standIn.ConnectionString, WarehouseProvider.Redshift).Options))
        {
            await context.Database.MigrateAsync();
        }

        var loader = new WarehouseLoader(new WarehouseOptions
        {
            ConnectionString = standIn.ConnectionString, Provider = WarehouseProvider.Redshift, IamRole = RedshiftLoadTests.IamRole, S3 = s3.Settings(),
        });
        var (first, second) = eventsFirst ? (batches[0], batches[1]) : (batches[1], batches[0]);
        var loaded = new List<Batch>();
        foreach (var batch in new[] { first, second })
        {
            var result = await loader.LoadAsync(new LoadRequest
            {
                SongsSource = $"s3://{Bucket}/{prefix}/{batch.Name}/song_data",
                EventsSource = $"s3://{Bucket}/{prefix}/{batch.Name}/log_data",
                JsonPathsSource = $"s3://{Bucket}/{prefix}/log_json_path.json",
                MaxErrors = 1,
            });
            loaded.Add(batch);

            Assert.Equal(LoadRunStatus.Succeeded, result.Status);
            var rejects = batch == batches[0] ? 1L : 0L;
            Assert.Equal(((long)batch.Songs.Count, (long)batch.Events.Count, rejects), (result.SongsStaged, result.EventsStaged, result.Rejected));
            if (rejects > 0)
            {
                var error = Assert.Single(await WarehouseDb.ErrorsAsync(standIn.DatabaseConnectionString, result.RunId));
                Assert.Equal((long)File.ReadAllLines(rejected).Length, error.LineNumber);
            }

            var expected = Oracle.Derive(loaded.SelectMany(b => b.Events), loaded.SelectMany(b => b.Songs));
            AssertStar(expected, await ReadStarAsync(standIn.DatabaseConnectionString));
            if (loaded.Count == 1)
            {
                // Until the other batch arrives, plays of the duplicated songs hold the larger id or the smaller one.
                Assert.Contains(expected.SongPlays, p => p.SongId?.StartsWith(eventsFirst ? LargerId : SmallerId, StringComparison.Ordinal) == true);
            }
        }

        // The stand-in received the Redshift statements: the COPYs from S3, not a client-side staging.
        Assert.Contains(standIn.Statements, sql => sql.StartsWith("COPY staging_songs", StringComparison.Ordinal) && sql.Contains($"{prefix}/{second.Name}/song_data", StringComparison.Ordinal));
        var star = await ReadStarAsync(standIn.DatabaseConnectionString);
        // Every second recording with a smaller id took its plays over; none with a larger id kept any.
        Assert.Equal(Duplicated, star.SongPlays.Where(p => p.SongId?.StartsWith(SmallerId, StringComparison.Ordinal) == true).Select(p => p.SongId).Distinct().Count());
        Assert.DoesNotContain(star.SongPlays, p => p.SongId?.StartsWith(LargerId, StringComparison.Ordinal) == true);
        Assert.Contains(star.Artists, a => a.SourceSongId.StartsWith(SmallerId, StringComparison.Ordinal));
    }

    /// <summary>
    /// Batch "events": every day but the last, a quarter of the song files and the larger-id recordings;
    /// batch "songs": the last day, the other song files and the smaller-id recordings.
    /// </summary>
    private static Batch[] Split(GeneratedDataset dataset, string root)
    {
        var songFiles = RawRecords.Files(dataset.SongDataDirectory).ToList();
        var logFiles = RawRecords.Files(dataset.LogDataDirectory).ToList();
        var catalog = songFiles.SelectMany(RawRecords.SongsOfFile).ToList();
        // Songs played on the last day, so that in either order some plays are loaded before the second batch's recordings.
        var plays = RawRecords.EventsOfFile(logFiles[^1]).Where(e => e.Page == "NextSong").Select(e => (e.Song, e.Artist, e.Length)).ToHashSet();
        var played = catalog.Where(s => plays.Contains((s.Title, s.ArtistName, s.Duration))).OrderBy(s => s.SongId, StringComparer.Ordinal).Take(Duplicated).ToList();
        Assert.Equal(Duplicated, played.Count);

        var events = new Batch("events", root);
        var songs = new Batch("songs", root);
        for (var i = 0; i < songFiles.Count; i++)
        {
            (i % 4 == 0 ? events : songs).AddSongFile(dataset.SongDataDirectory, songFiles[i]);
        }

        for (var i = 0; i < logFiles.Count; i++)
        {
            (i < logFiles.Count - 1 ? events : songs).AddLogFile(dataset.LogDataDirectory, logFiles[i]);
        }

        for (var k = 0; k < played.Count; k++)
        {
            var original = played[k];
            // Half the second recordings are the same artist's (another location: the artist's smallest
            // song id decides it), half another artist's of the same name.
            var artist = k % 2 == 0 ? original.ArtistId : string.Create(CultureInfo.InvariantCulture, $"ARDUPLICATE{k:00000}");
            SongRecord Recording(string id) => original with { SongId = id, ArtistId = artist, ArtistLocation = $"Second recording {k}", ArtistLatitude = null, ArtistLongitude = null };
            events.AddSong(Recording(string.Create(CultureInfo.InvariantCulture, $"{LargerId}{k:00000}")));
            songs.AddSong(Recording(string.Create(CultureInfo.InvariantCulture, $"{SmallerId}{k:000000}")));
        }

        Assert.All(catalog, s => Assert.True(
            string.CompareOrdinal(s.SongId, SmallerId) > 0 && string.CompareOrdinal(s.SongId, LargerId) < 0,
            $"{s.SongId} is not between the second recordings' ids"));
        return [events, songs];
    }

    /// <summary>One batch's song_data and log_data folders, and the records they hold (read back from the files written).</summary>
    private sealed class Batch(string name, string root)
    {
        public string Name => name;

        public string SongData { get; } = Directory.CreateDirectory(Path.Combine(root, name, "song_data")).FullName;

        public string LogData { get; } = Directory.CreateDirectory(Path.Combine(root, name, "log_data")).FullName;

        public List<SongRecord> Songs { get; } = [];

        public List<EventRecord> Events { get; } = [];

        public void AddSongFile(string from, string file) => Songs.AddRange(RawRecords.SongsOfFile(Copy(from, file, SongData)));

        public void AddLogFile(string from, string file) => Events.AddRange(RawRecords.EventsOfFile(Copy(from, file, LogData)));

        public void AddSong(SongRecord song)
        {
            var path = Path.Combine(SongData, "Z", "Z", "Z", song.SongId + ".json");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, IncrementalLoadTests.SongJson(song));
            Songs.AddRange(RawRecords.SongsOfFile(path));
        }

        private static string Copy(string from, string file, string to)
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
            return target;
        }
    }
}
