using System.Globalization;
using System.Text.Json;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Loading.Ledger;
using Sparkify.Warehouse.Tests.TestUtilities;
using static Sparkify.Warehouse.Tests.TestUtilities.StarTables;

namespace Sparkify.Warehouse.Tests.Loading.Ledger;

/// <summary>
/// New-files-only loads over folders that grow: each load reads only what the ledger does not hold
/// unchanged, and the star tables always equal what the test oracle derives from every file so far.
/// </summary>
public sealed class IncrementalLoadTests
{
    private static readonly SampleRecords Data = SampleRecords.Instance;

    [Fact]
    public async Task A_prefix_growing_day_by_day_stages_only_each_new_day_and_late_songs_match_earlier_plays()
    {
        var connectionString = await MigratedDatabaseFixture.CreateAsync("incrdaily");
        using var folders = new Folders();
        var (earlySongs, lateSongs) = SongHalves();
        var (larger, smaller) = LateSongsOfADay3Play();
        folders.AddSongs(earlySongs);
        folders.AddSong(larger);
        var songsSoFar = earlySongs.Select(i => Data.Songs[i]).Append(larger).ToList();
        var loader = WarehouseDb.Loader(connectionString);
        var request = new LoadRequest { SongsSource = folders.Songs, EventsSource = folders.Events };
        for (var day = 1; day <= 30; day++)
        {
            folders.AddDay(day);
            var newSongs = 0;
            if (day == 16)
            {
                folders.AddSongs(lateSongs);
                folders.AddSong(smaller);
                songsSoFar.AddRange(lateSongs.Select(i => Data.Songs[i]).Append(smaller));
                newSongs = lateSongs.Count + 1;
            }

            // sparkify files says beforehand what the load then reads and skips.
            var listed = await WarehouseFiles.ListAsync(new WarehouseOptions { ConnectionString = connectionString }, request);

            var result = await loader.LoadAsync(request);

            Assert.Equal(listed.Count(f => f.WillLoad), result.SongFiles + result.EventFiles);
            Assert.Equal(listed.Count(f => f.Status != LedgerFileStatus.NotListed && !f.WillLoad), result.FilesSkipped);
            Assert.Equal(Data.EventsOfDay(day).Count, result.EventsStaged);
            Assert.Equal(1, result.EventFiles);
            var songsRead = day == 1 ? earlySongs.Count + 1 : newSongs;
            Assert.Equal(songsRead, result.SongsStaged);
            Assert.Equal(day - 1 + songsSoFar.Count - songsRead, result.FilesSkipped);
            var expected = Oracle.Derive(Enumerable.Range(1, day).SelectMany(Data.EventsOfDay), songsSoFar);
            AssertStar(expected, await ReadStarAsync(connectionString));
        }

        Assert.Equal(30 + Data.Songs.Count + 2, await WarehouseDb.ScalarAsync(connectionString, "SELECT COUNT(*) FROM load_files"));
        Assert.Contains((await ReadStarAsync(connectionString)).SongPlays, p => p.SongId == smaller.SongId);
    }

    [Fact]
    public async Task Days_1_to_15_with_half_the_songs_then_days_16_to_30_with_the_rest_equal_one_load_of_everything()
    {
        var connectionString = await MigratedDatabaseFixture.CreateAsync("incrhalves");
        using var folders = new Folders();
        var (earlySongs, lateSongs) = SongHalves();
        var (larger, smaller) = LateSongsOfADay3Play();
        var loader = WarehouseDb.Loader(connectionString);
        var request = new LoadRequest { SongsSource = folders.Songs, EventsSource = folders.Events };
        folders.AddSongs(earlySongs);
        folders.AddSong(larger);
        for (var day = 1; day <= 15; day++)
        {
            folders.AddDay(day);
        }

        await loader.LoadAsync(request);
        // The play of day 3 matched the only song of its key known so far.
        Assert.Contains((await ReadStarAsync(connectionString)).SongPlays, p => p.SongId == larger.SongId);

        folders.AddSongs(lateSongs);
        folders.AddSong(smaller);
        for (var day = 16; day <= 30; day++)
        {
            folders.AddDay(day);
        }

        var second = await loader.LoadAsync(request);

        Assert.Equal(Data.LaterDays.Count, second.EventsStaged);
        Assert.Equal(lateSongs.Count + 1, second.SongsStaged);
        var star = await ReadStarAsync(connectionString);
        AssertStar(Oracle.Derive(Data.Events, [.. Data.Songs, larger, smaller]), star);
        // Now it has the smaller song id of the two, and the sample's own match (day 21, song of the later half) is there too.
        Assert.Contains(star.SongPlays, p => p.SongId == smaller.SongId);
        Assert.DoesNotContain(star.SongPlays, p => p.SongId == larger.SongId);
        Assert.Equal(2, star.SongPlays.Count(p => p.SongId is not null));
    }

    [Fact]
    public async Task Nothing_new_changes_nothing_a_changed_file_is_reread_reload_rereads_all_and_a_failed_load_records_no_files()
    {
        var connectionString = await MigratedDatabaseFixture.CreateAsync("incrledger");
        using var folders = new Folders();
        folders.AddSongs([.. Enumerable.Range(0, Data.Songs.Count)]);
        for (var day = 1; day <= 30; day++)
        {
            folders.AddDay(day);
        }

        var loader = WarehouseDb.Loader(connectionString);
        var request = new LoadRequest { SongsSource = folders.Songs, EventsSource = folders.Events };
        var first = await loader.LoadAsync(request);
        var files = 30 + Data.Songs.Count;
        Assert.Equal((0L, (long)Data.Events.Count), (first.FilesSkipped, first.EventsStaged));
        var ledger = await LedgerAsync(connectionString);
        Assert.Equal(files, ledger.Count);

        // PostgreSQL counts every file it stages: a day's events, and one song a song file.
        var events = Enumerable.Range(1, 30).Select(day => $"{folders.DayFile(day)}|{Data.EventsOfDay(day).Count}").ToList();
        Assert.Equal([.. events, .. Enumerable.Repeat("1", Data.Songs.Count)], await StagedAsync(connectionString, folders));

        // Nothing new: a run that stages nothing, and nothing else changes.
        var idle = await loader.LoadAsync(request);
        Assert.Equal((files, 0L, 0L, 0L), (idle.FilesSkipped, idle.SongsStaged, idle.EventsStaged, idle.SongPlaysInserted));
        Assert.Equal(LoadRunStatus.Succeeded, idle.Status);
        Assert.Equal(ledger, await LedgerAsync(connectionString));
        AssertStar(SampleStars.Full, await ReadStarAsync(connectionString));

        // A changed file (its modification time) is read again, and natural keys keep the result.
        var dayFive = folders.DayFile(5);
        File.SetLastWriteTimeUtc(dayFive, File.GetLastWriteTimeUtc(dayFive).AddMinutes(1));
        var changed = await loader.LoadAsync(request);
        Assert.Equal(((long)Data.EventsOfDay(5).Count, files - 1L, 0L), (changed.EventsStaged, changed.FilesSkipped, changed.SongPlaysInserted));
        AssertStar(SampleStars.Full, await ReadStarAsync(connectionString));
        Assert.Contains(changed.RunId.ToString(), (await LedgerAsync(connectionString)).Single(r => r.StartsWith(dayFive + "|", StringComparison.Ordinal)), StringComparison.Ordinal);

        // --reload reads every file again and changes nothing; every ledger row is now that run's.
        var reload = await loader.LoadAsync(request with { Reload = true });
        Assert.Equal((0L, (long)Data.Events.Count, (long)Data.Songs.Count, 0L), (reload.FilesSkipped, reload.EventsStaged, reload.SongsStaged, reload.SongPlaysInserted));
        AssertStar(SampleStars.Full, await ReadStarAsync(connectionString));
        Assert.All(await LedgerAsync(connectionString), row => Assert.Contains(reload.RunId.ToString(), row, StringComparison.Ordinal));
        Assert.Equal([.. events, .. Enumerable.Repeat("1", Data.Songs.Count)], await StagedAsync(connectionString, folders));

        // Another --reload: the song files are the ones the last load staged, so their staged rows are
        // kept and not counted again per file: NULL (shown ∅), not 0; every event file has its count.
        var again = await loader.LoadAsync(request with { Reload = true });
        Assert.Equal((long)Data.Songs.Count, again.SongsStaged);
        Assert.Equal([.. events, .. Enumerable.Repeat("∅", Data.Songs.Count)], await StagedAsync(connectionString, folders));

        // A new file with a bad record fails the load: its file is not in the ledger, nothing else changed.
        var before = await LedgerAsync(connectionString);
        var bad = Path.Combine(folders.Events, "2018-12-01-events.json");
        await File.WriteAllTextAsync(bad, "{\"not json\n");
        await Assert.ThrowsAsync<WarehouseLoadException>(() => loader.LoadAsync(request));
        Assert.Equal(before, await LedgerAsync(connectionString));
        AssertStar(SampleStars.Full, await ReadStarAsync(connectionString));
    }

    /// <summary>The event files' rows as "uri|staged" in day order, then each song file's staged count (NULL as ∅).</summary>
    private static async Task<List<string>> StagedAsync(string connectionString, Folders folders)
    {
        var rows = await WarehouseDb.RowsAsync(connectionString, "SELECT uri, records_staged FROM load_files ORDER BY uri COLLATE \"C\"");
        return
        [
            .. rows.Where(row => row.StartsWith(folders.Events, StringComparison.Ordinal)),
            .. rows.Where(row => row.StartsWith(folders.Songs, StringComparison.Ordinal)).Select(row => row[(row.LastIndexOf('|') + 1)..]),
        ];
    }

    /// <summary>Every ledger row as "uri|size|etag|modified|run|staged|rejected" (NULL as ∅), in URI order.</summary>
    private static Task<List<string>> LedgerAsync(string connectionString)
        => WarehouseDb.RowsAsync(connectionString, "SELECT uri, size_bytes, etag, CAST(modified_at AS TEXT), run_id, records_staged, records_rejected FROM load_files ORDER BY uri COLLATE \"C\"");

    /// <summary>
    /// The sample's song files (by index into <see cref="SampleRecords.Songs"/>, one song a file) split in
    /// two halves; the songs some play matches go into the later half, so plays wait for their songs.
    /// </summary>
    internal static (List<int> Early, List<int> Late) SongHalves()
    {
        var matched = Data.Songs.Select((song, index) => (song, index))
            .Where(s => Data.Events.Any(e => e.Page == "NextSong" && e.Song == s.song.Title && e.Artist == s.song.ArtistName && e.Length == s.song.Duration))
            .Select(s => s.index)
            .ToHashSet();
        Assert.NotEmpty(matched);
        var ordered = Enumerable.Range(0, Data.Songs.Count).OrderBy(matched.Contains).ToList();
        var half = Data.Songs.Count / 2;
        return ([.. ordered.Take(half)], [.. ordered.Skip(half)]);
    }

    /// <summary>
    /// Two songs (not in the sample) with the key of the first play of 3 November: one with a larger song
    /// id that arrives first, one with a smaller that arrives later and must take the play over.
    /// </summary>
    internal static (SongRecord Larger, SongRecord Smaller) LateSongsOfADay3Play()
    {
        var play = Data.EventsOfDay(3).First(e => e.Page == "NextSong" && e.Song is not null && e.Artist is not null && e.Length is not null);
        SongRecord Song(string id) => new(1, "ARLATEARRIVAL00001", null, null, "", play.Artist, id, play.Song, play.Length, 2001);
        return (Song("SOLATEARRIVALZZZZZ"), Song("SOLATEARRIVALAAAAA"));
    }

    /// <summary>A song file holding <paramref name="song"/>, as the sample's song files are written.</summary>
    internal static byte[] SongJson(SongRecord song) => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
    {
        ["num_songs"] = song.NumSongs,
        ["artist_id"] = song.ArtistId,
        ["artist_latitude"] = song.ArtistLatitude,
        ["artist_longitude"] = song.ArtistLongitude,
        ["artist_location"] = song.ArtistLocation,
        ["artist_name"] = song.ArtistName,
        ["song_id"] = song.SongId,
        ["title"] = song.Title,
        ["duration"] = song.Duration,
        ["year"] = song.Year,
    });

    /// <summary>A songs folder and an events folder that a test fills file by file from the sample.</summary>
    private sealed class Folders : IDisposable
    {
        private static readonly string[] SongFiles = [.. Directory.GetFiles(TestEnvironment.SampleSongs, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];

        private readonly string _root = Directory.CreateTempSubdirectory("sparkify-incr-").FullName;

        public Folders()
        {
            Directory.CreateDirectory(Songs);
            Directory.CreateDirectory(Events);
        }

        public string Songs => Path.Combine(_root, "song_data");

        public string Events => Path.Combine(_root, "log_data");

        /// <summary>Copies the song files with these indexes (the order of <see cref="SampleRecords.Songs"/>).</summary>
        public void AddSongs(IEnumerable<int> indexes)
        {
            foreach (var index in indexes)
            {
                var relative = Path.GetRelativePath(TestEnvironment.SampleSongs, SongFiles[index]);
                var target = Path.Combine(Songs, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(SongFiles[index], target);
            }
        }

        /// <summary>Writes a song file of its own for <paramref name="song"/>.</summary>
        public void AddSong(SongRecord song)
        {
            File.WriteAllBytes(Path.Combine(Songs, song.SongId + ".json"), SongJson(song));
        }

        public string DayFile(int day) => Path.Combine(Events, "2018", "11", string.Create(CultureInfo.InvariantCulture, $"2018-11-{day:00}-events.json"));

        public void AddDay(int day)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(DayFile(day))!);
            File.Copy(SampleBatches.LogFile(day), DayFile(day));
        }

        public void Dispose() => Directory.Delete(_root, recursive: true);
    }
}
