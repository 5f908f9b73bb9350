using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Tests.TestUtilities;
using static Sparkify.Warehouse.Tests.TestUtilities.StarTables;

namespace Sparkify.Warehouse.Tests.Loading.Ledger;

/// <summary>
/// New-files-only loads over an S3 prefix (s3rver) that grows day by day: each load stages only the
/// new day's objects, songs that arrive later take over earlier plays, and an object rewritten with a
/// new size and ETag is read again.
/// </summary>
public sealed class IncrementalS3LoadTests(SparkifySampleInS3 s3) : IClassFixture<SparkifySampleInS3>
{
    private const string Bucket = SparkifySampleInS3.Bucket;
    private static readonly SampleRecords Data = SampleRecords.Instance;

    [Fact]
    public async Task A_growing_s3_prefix_stages_only_each_new_day_and_a_rewritten_object_is_read_again()
    {
        var connectionString = await MigratedDatabaseFixture.CreateAsync("incrs3");
        var root = "incremental-" + Guid.NewGuid().ToString("N");
        var songFiles = Directory.GetFiles(TestEnvironment.SampleSongs, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        var (earlySongs, lateSongs) = IncrementalLoadTests.SongHalves();
        var (larger, smaller) = IncrementalLoadTests.LateSongsOfADay3Play();
        async Task PutSongsAsync(IEnumerable<int> indexes, SongRecord synthetic)
        {
            foreach (var index in indexes)
            {
                var relative = Path.GetRelativePath(TestEnvironment.SampleSongs, songFiles[index]).Replace('\\', '/');
                await s3.Server.PutObjectAsync(Bucket, $"{root}/song_data/{relative}", await File.ReadAllBytesAsync(songFiles[index]));
            }

            await s3.Server.PutObjectAsync(Bucket, $"{root}/song_data/late/{synthetic.SongId}.json", IncrementalLoadTests.SongJson(synthetic));
        }

        string DayKey(int day) => $"{root}/log_data/2018/11/{Path.GetFileName(SampleBatches.LogFile(day))}";

        var loader = WarehouseDb.Loader(connectionString, s3: s3.Server.Settings());
        var request = new LoadRequest { SongsSource = $"s3://{Bucket}/{root}/song_data/", EventsSource = $"s3://{Bucket}/{root}/log_data/" };
        await PutSongsAsync(earlySongs, larger);
        var songsSoFar = earlySongs.Select(i => Data.Songs[i]).Append(larger).ToList();
        const int Days = 5;
        for (var day = 1; day <= Days; day++)
        {
            await s3.Server.PutObjectAsync(Bucket, DayKey(day), await File.ReadAllBytesAsync(SampleBatches.LogFile(day)));
            var songsRead = day == 1 ? songsSoFar.Count : 0;
            if (day == 4)
            {
                await PutSongsAsync(lateSongs, smaller);
                songsSoFar.AddRange(lateSongs.Select(i => Data.Songs[i]).Append(smaller));
                songsRead = lateSongs.Count + 1;
            }

            var result = await loader.LoadAsync(request);

            Assert.Equal((long)Data.EventsOfDay(day).Count, result.EventsStaged);
            Assert.Equal(songsRead, result.SongsStaged);
            Assert.Equal(day - 1 + songsSoFar.Count - songsRead, result.FilesSkipped);
            AssertStar(Oracle.Derive(Enumerable.Range(1, day).SelectMany(Data.EventsOfDay), songsSoFar), await ReadStarAsync(connectionString));
        }

        // The day-3 play went from the larger song id to the smaller one that came on day 4.
        Assert.Contains((await ReadStarAsync(connectionString)).SongPlays, p => p.SongId == smaller.SongId);

        // Day 2 rewritten with a trailing blank line: new size and ETag, read again; the rows stay.
        var before = await ReadStarAsync(connectionString);
        await s3.Server.PutObjectAsync(Bucket, DayKey(2), [.. await File.ReadAllBytesAsync(SampleBatches.LogFile(2)), .. "\n"u8]);
        var changed = await loader.LoadAsync(request);
        Assert.Equal(((long)Data.EventsOfDay(2).Count, 0L), (changed.EventsStaged, changed.SongPlaysInserted));
        AssertStar(before, await ReadStarAsync(connectionString));
        Assert.Equal(Days + songsSoFar.Count, await WarehouseDb.ScalarAsync(connectionString, $"SELECT COUNT(*) FROM load_files WHERE uri LIKE 's3://{Bucket}/{root}/%' AND etag IS NOT NULL AND modified_at IS NULL"));
    }
}
