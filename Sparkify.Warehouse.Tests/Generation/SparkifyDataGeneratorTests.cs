using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sparkify.Warehouse.Generation;
using Sparkify.Warehouse.Loading.Json;
using Sparkify.Warehouse.Loading.Sources;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Generation;

[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed partial class SparkifyDataGeneratorTests(GeneratedDatasetFixture data) : IClassFixture<GeneratedDatasetFixture>
{
    private static readonly string[] SongKeys =
        ["num_songs", "artist_id", "artist_latitude", "artist_longitude", "artist_location", "artist_name", "song_id", "title", "duration", "year"];

    private static readonly string[] EventKeys =
    [
        "artist", "auth", "firstName", "gender", "itemInSession", "lastName", "length", "level", "location",
        "method", "page", "registration", "sessionId", "song", "status", "ts", "userAgent", "userId",
    ];

    [Fact]
    public async Task The_same_seed_gives_identical_bytes_and_another_seed_different_ones()
    {
        var first = TempFolder.NewPath("gen-a");
        var second = TempFolder.NewPath("gen-b");
        var other = TempFolder.NewPath("gen-c");
        try
        {
            var options = new GenerationOptions { OutputDirectory = first, Songs = 120, Events = 2500, Days = 5, Seed = 2018 };
            await SparkifyDataGenerator.GenerateAsync(options);
            await SparkifyDataGenerator.GenerateAsync(options with { OutputDirectory = second });
            await SparkifyDataGenerator.GenerateAsync(options with { OutputDirectory = other, Seed = 2019 });

            var a = GeneratedData.Snapshot(first);
            var b = GeneratedData.Snapshot(second);
            var c = GeneratedData.Snapshot(other);
            Assert.Equal(a.Keys, b.Keys);
            Assert.All(a, file => Assert.True(file.Value.AsSpan().SequenceEqual(b[file.Key]), file.Key + " differs between two runs with the same seed"));

            // Another seed: other track ids (so other song file names) and other events on the same days.
            Assert.Empty(a.Keys.Where(k => k.StartsWith("song_data", StringComparison.Ordinal)).Intersect(c.Keys));
            var day = Path.Combine("log_data", "2018", "11", "2018-11-02-events.json");
            Assert.False(a[day].AsSpan().SequenceEqual(c[day]));
        }
        finally
        {
            TempFolder.Delete(first);
            TempFolder.Delete(second);
            TempFolder.Delete(other);
        }
    }

    [Fact]
    public void The_dataset_reports_what_is_on_disk()
    {
        var dataset = data.Dataset;
        var events = data.AllEvents.ToList();
        var plays = events.Where(e => e.GetProperty("page").GetString() == "NextSong").ToList();
        var songKeys = GeneratedData.SongKeys(data.SongFiles.SelectMany(f => f.Songs));

        Assert.Equal(GeneratedDatasetFixture.Songs, dataset.SongFiles);
        Assert.Equal(GeneratedDatasetFixture.Songs, data.SongFiles.Count);
        Assert.Equal(data.SongFiles.SelectMany(f => f.Songs).Select(s => s.GetProperty("artist_id").GetString()).Distinct().Count(), dataset.Artists);
        Assert.Equal(GeneratedDatasetFixture.Days, dataset.LogFiles);
        Assert.Equal(GeneratedDatasetFixture.Days, data.LogFiles.Count);
        Assert.Equal(GeneratedDatasetFixture.Events, dataset.Events);
        Assert.Equal(GeneratedDatasetFixture.Events, events.Count);
        Assert.Equal(plays.Count, dataset.SongPlays);
        Assert.Equal(plays.Count(p => songKeys.Contains(GeneratedData.PlayKey(p))), dataset.MatchedSongPlays);
        Assert.Equal(events.Select(e => e.GetProperty("userId").GetString()).Where(id => id != "").Distinct().Count(), dataset.Users);
        Assert.Equal(Directory.EnumerateFiles(dataset.OutputDirectory, "*", SearchOption.AllDirectories).Sum(p => new FileInfo(p).Length), dataset.Bytes);
        Assert.Equal(Path.Combine(data.Folder, "song_data"), dataset.SongDataDirectory);
        Assert.Equal(Path.Combine(data.Folder, "log_data"), dataset.LogDataDirectory);
        Assert.Equal(Path.Combine(data.Folder, "log_json_path.json"), dataset.JsonPathsFile);
    }

    [Fact]
    public void Song_files_have_the_real_layout_keys_and_id_shapes()
    {
        Assert.All(data.SongFiles, file =>
        {
            // song_data/A/B/C/TRABC....json: the folders are the track id's 3rd to 5th letters.
            var match = TrackPath().Match(file.RelativePath.Replace('\\', '/'));
            Assert.True(match.Success, file.RelativePath);
            Assert.Equal(match.Groups["dirs"].Value.Replace("/", "", StringComparison.Ordinal), match.Groups["letters"].Value);

            var song = Assert.Single(file.Songs);
            Assert.Equal(SongKeys, song.EnumerateObject().Select(p => p.Name));
            Assert.Equal(1, song.GetProperty("num_songs").GetInt32());
            Assert.Matches("^AR[A-Z0-9]{16}$", song.GetProperty("artist_id").GetString());
            Assert.Matches("^SO[A-Z0-9]{16}$", song.GetProperty("song_id").GetString());
            Assert.False(string.IsNullOrWhiteSpace(song.GetProperty("artist_name").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(song.GetProperty("title").GetString()));
            Assert.InRange(song.GetProperty("duration").GetDouble(), 10, 1300);
            var year = song.GetProperty("year").GetInt32();
            Assert.True(year == 0 || year is >= 1950 and <= 2010, $"year {year}");
            Assert.Equal(song.IsNull("artist_latitude"), song.IsNull("artist_longitude"));
            if (song.GetProperty("artist_location").GetString() == "")
            {
                Assert.True(song.IsNull("artist_latitude"), "no location, so no coordinates");
            }
        });

        var songs = data.SongFiles.SelectMany(f => f.Songs).ToList();
        Assert.Equal(songs.Count, songs.Select(s => s.GetProperty("song_id").GetString()).Distinct().Count());
        Assert.Equal(data.SongFiles.Count, data.SongFiles.Select(f => Path.GetFileName(f.RelativePath)).Distinct().Count());

        // Like the real song data: some artists without coordinates or location, some with several
        // songs, unknown years, and a few pretty-printed files among the one-line ones.
        Assert.Contains(songs, s => s.IsNull("artist_latitude") && s.GetProperty("artist_location").GetString() == "");
        Assert.Contains(songs, s => s.IsNull("artist_latitude") && s.GetProperty("artist_location").GetString() != "");
        Assert.Contains(songs, s => !s.IsNull("artist_latitude"));
        Assert.Contains(songs.GroupBy(s => s.GetProperty("artist_id").GetString()), g => g.Count() >= 3);
        Assert.InRange(songs.Count(s => s.GetProperty("year").GetInt32() == 0), songs.Count / 5, songs.Count * 7 / 10);
        var pretty = data.SongFiles.Count(f => f.Text.Contains('\n', StringComparison.Ordinal));
        Assert.InRange(pretty, 1, data.SongFiles.Count / 10);

        // An artist is described the same way by all of its songs.
        Assert.All(songs.GroupBy(s => s.GetProperty("artist_id").GetString()), g =>
            Assert.Single(g.Select(s => (s.Text("artist_name"), s.Text("artist_location"), s.GetProperty("artist_latitude").ToString())).Distinct()));
    }

    [Fact]
    public void Log_files_are_json_lines_one_per_day_with_the_18_keys_in_order()
    {
        var start = new DateOnly(2018, 11, 1);
        Assert.Equal(
            Enumerable.Range(0, GeneratedDatasetFixture.Days).Select(d => Path.Combine("2018", "11", start.AddDays(d).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "-events.json")),
            data.LogFiles.Select(f => f.RelativePath));
        Assert.All(data.LogFiles, file =>
        {
            Assert.NotEmpty(file.Events);
            var day = DateOnly.ParseExact(Path.GetFileName(file.RelativePath)[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture);
            long previous = 0;
            foreach (var e in file.Events)
            {
                Assert.Equal(EventKeys, e.EnumerateObject().Select(p => p.Name));
                var ts = e.GetProperty("ts").GetInt64();
                Assert.Equal(day, DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(ts).UtcDateTime));
                Assert.True(ts >= previous, "a day's events are in timestamp order");
                previous = ts;
            }
        });
    }

    [Fact]
    public void Events_have_the_real_types_and_follow_the_apps_rules()
    {
        var pages = new Dictionary<string, (string Method, int Status)>
        {
            ["NextSong"] = ("PUT", 200), ["Home"] = ("GET", 200), ["Login"] = ("PUT", 307), ["Logout"] = ("PUT", 307),
            ["Settings"] = ("GET", 200), ["Save Settings"] = ("PUT", 307), ["Help"] = ("GET", 200), ["About"] = ("GET", 200),
            ["Upgrade"] = ("GET", 200), ["Submit Upgrade"] = ("PUT", 307), ["Downgrade"] = ("GET", 200),
            ["Submit Downgrade"] = ("PUT", 307), ["Error"] = ("GET", 404), ["Register"] = ("GET", 200), ["Submit Registration"] = ("PUT", 307),
        };
        Assert.All(data.AllEvents, e =>
        {
            var page = e.GetProperty("page").GetString()!;
            Assert.True(pages.TryGetValue(page, out var http), page);
            Assert.Equal(http.Method, e.GetProperty("method").GetString());
            Assert.Equal(http.Status, e.GetProperty("status").GetInt32());
            Assert.Contains(e.GetProperty("level").GetString(), new[] { "free", "paid" });
            Assert.Equal(JsonValueKind.Number, e.GetProperty("sessionId").ValueKind);
            Assert.True(e.GetProperty("itemInSession").GetInt32() >= 0);

            // userId is "" exactly for the logged-out and guest events, which carry no person.
            var userId = e.GetProperty("userId").GetString()!;
            var auth = e.GetProperty("auth").GetString();
            Assert.Equal(userId == "", auth is "Logged Out" or "Guest");
            Assert.Contains(auth, new[] { "Logged In", "Logged Out", "Guest" });
            foreach (var personal in new[] { "firstName", "lastName", "gender", "location", "userAgent", "registration" })
            {
                Assert.Equal(userId == "", e.IsNull(personal));
            }

            if (userId != "")
            {
                Assert.True(int.Parse(userId, CultureInfo.InvariantCulture) > 0);
                Assert.Contains(e.GetProperty("gender").GetString(), new[] { "M", "F" });
                Assert.EndsWith(".0", e.GetProperty("registration").GetRawText(), StringComparison.Ordinal);
                Assert.True(e.GetProperty("registration").GetDouble() < e.GetProperty("ts").GetInt64());
            }

            // Only song plays name a song; plays are always by a logged-in user.
            var isPlay = page == "NextSong";
            Assert.Equal(!isPlay, e.IsNull("song"));
            Assert.Equal(!isPlay, e.IsNull("artist"));
            Assert.Equal(!isPlay, e.IsNull("length"));
            Assert.True(!isPlay || auth == "Logged In");
        });
    }

    [Fact]
    public void Sessions_number_their_events_from_zero_with_increasing_timestamps_and_belong_to_one_user()
    {
        var sessions = data.AllEvents.GroupBy(e => e.GetProperty("sessionId").GetInt32()).ToList();
        Assert.InRange(sessions.Count, GeneratedDatasetFixture.Events / 40, GeneratedDatasetFixture.Events / 4);
        Assert.All(sessions, session =>
        {
            var events = session.ToList();
            Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => e.GetProperty("itemInSession").GetInt32()));
            Assert.True(events.Zip(events.Skip(1)).All(p => p.First.GetProperty("ts").GetInt64() < p.Second.GetProperty("ts").GetInt64()), $"session {session.Key}: ts does not increase");
            Assert.True(events.Select(e => e.GetProperty("userId").GetString()).Where(id => id != "").Distinct().Count() <= 1, $"session {session.Key} has two users");
        });

        // A user is never in two sessions at once (so a level change cannot be seen out of order).
        var spans = sessions
            .Select(s => (User: s.Select(e => e.GetProperty("userId").GetString()).FirstOrDefault(id => id != ""), From: s.Min(e => e.GetProperty("ts").GetInt64()), To: s.Max(e => e.GetProperty("ts").GetInt64())))
            .Where(s => s.User is not null)
            .GroupBy(s => s.User);
        Assert.All(spans, user =>
        {
            var ordered = user.OrderBy(s => s.From).ToList();
            Assert.True(ordered.Zip(ordered.Skip(1)).All(p => p.First.To < p.Second.From), $"user {user.Key} has overlapping sessions");
        });
    }

    [Fact]
    public void Most_plays_match_a_generated_song_and_the_rest_do_not()
    {
        // The generator aims at 85% of plays naming a catalog song exactly (title, artist name and
        // duration); 80–90% leaves room for chance at this size (about 6,000 plays).
        var songKeys = GeneratedData.SongKeys(data.SongFiles.SelectMany(f => f.Songs));
        var titleArtist = songKeys.Select(k => (k.Item1, k.Item2)).ToHashSet();
        var plays = data.AllEvents.Where(e => e.GetProperty("page").GetString() == "NextSong").ToList();
        var matched = plays.Count(p => songKeys.Contains(GeneratedData.PlayKey(p)));
        Assert.InRange((double)matched / plays.Count, 0.80, 0.90);

        // Among the others: other recordings of catalog songs (same title and artist, another length)...
        Assert.Contains(plays, p => !songKeys.Contains(GeneratedData.PlayKey(p)) && titleArtist.Contains((p.Text("song")!, p.Text("artist")!)));

        // ...and songs that are in no song file at all.
        Assert.Contains(plays, p => !titleArtist.Contains((p.Text("song")!, p.Text("artist")!)));

        // Plays follow the song: the next event of the session comes about when the song ends, unless skipped.
        Assert.InRange((double)plays.Count / GeneratedDatasetFixture.Events, 0.65, 0.85);
    }

    [Fact]
    public void Users_upgrade_from_free_to_paid_after_submitting_an_upgrade_and_guests_and_logged_out_visitors_exist()
    {
        var events = data.AllEvents.OrderBy(e => e.GetProperty("ts").GetInt64()).ThenBy(e => e.GetProperty("itemInSession").GetInt32()).ToList();
        var upgraded = 0;
        foreach (var user in events.Where(e => e.GetProperty("userId").GetString() != "").GroupBy(e => e.GetProperty("userId").GetString()))
        {
            var history = user.ToList();
            var submit = history.FindIndex(e => e.GetProperty("page").GetString() == "Submit Upgrade");
            if (submit < 0)
            {
                continue;
            }

            // Logged at the old level; the following events are paid (until a rare downgrade).
            Assert.Equal("free", history[submit].GetProperty("level").GetString());
            if (submit + 1 < history.Count)
            {
                Assert.Equal("paid", history[submit + 1].GetProperty("level").GetString());
                upgraded++;
            }

        }

        Assert.True(upgraded >= 1, "at least one user upgrades within the month");
        Assert.Contains(events, e => e.GetProperty("auth").GetString() == "Guest");
        Assert.Contains(events, e => e.GetProperty("auth").GetString() == "Logged Out" && e.GetProperty("page").GetString() == "Home");
        var loggedOut = events.Count(e => e.GetProperty("userId").GetString() == "");
        Assert.InRange((double)loggedOut / events.Count, 0.02, 0.15);
        Assert.Contains(events, e => e.GetProperty("level").GetString() == "free");
        Assert.Contains(events, e => e.GetProperty("level").GetString() == "paid");
    }

    [Fact]
    public async Task The_JSONPaths_file_is_the_real_one_and_the_loaders_default()
    {
        var generated = await JsonPathsFile.ReadAsync(LocalSources.List(data.Dataset.JsonPathsFile).Single(), CancellationToken.None);
        var sample = await JsonPathsFile.ReadAsync(LocalSources.List(TestEnvironment.SampleJsonPaths).Single(), CancellationToken.None);

        Assert.Equal(sample.Select(p => p.Text), generated.Select(p => p.Text));
        Assert.Equal(JsonPathsFile.DefaultEventPaths.Select(p => p.Text), generated.Select(p => p.Text));

        using var generatedJson = JsonDocument.Parse(await File.ReadAllTextAsync(data.Dataset.JsonPathsFile));
        using var sampleJson = JsonDocument.Parse(await File.ReadAllTextAsync(TestEnvironment.SampleJsonPaths));
        Assert.Equal(
            sampleJson.RootElement.GetProperty("jsonpaths").EnumerateArray().Select(p => p.GetString()),
            generatedJson.RootElement.GetProperty("jsonpaths").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal("jsonpaths", Assert.Single(generatedJson.RootElement.EnumerateObject()).Name);

        // The written events use exactly the keys the paths name, in the same order.
        Assert.Equal(generated.Select(p => p.Steps.Single().Key), data.LogFiles[0].Events[0].EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Nothing_generated_is_copied_from_the_real_sample()
    {
        var sampleSongs = Directory.EnumerateFiles(TestEnvironment.SampleSongs, "*.json", SearchOption.AllDirectories)
            .SelectMany(p => GeneratedData.ParseObjects(File.ReadAllText(p))).ToList();
        var sampleEvents = new List<JsonElement>();
        foreach (var path in Directory.EnumerateFiles(TestEnvironment.SampleLogs, "*.json", SearchOption.AllDirectories))
        {
            foreach (var line in (await File.ReadAllLinesAsync(path)).Where(l => l.Length > 0))
            {
                sampleEvents.Add(JsonDocument.Parse(line).RootElement.Clone());
            }
        }

        var songs = data.SongFiles.SelectMany(f => f.Songs).ToList();
        var events = data.AllEvents.ToList();
        AssertDisjoint("title", songs.Select(s => s.Text("title")), sampleSongs.Select(s => s.Text("title")));
        AssertDisjoint("artist name", songs.Select(s => s.Text("artist_name")), sampleSongs.Select(s => s.Text("artist_name")));
        AssertDisjoint("artist location", songs.Select(s => s.Text("artist_location")).Where(l => l != ""), sampleSongs.Select(s => s.Text("artist_location")));
        AssertDisjoint("song id", songs.Select(s => s.Text("song_id")), sampleSongs.Select(s => s.Text("song_id")));
        AssertDisjoint("played song", events.Select(e => e.Text("song")).OfType<string>(), sampleEvents.Select(e => e.Text("song")).OfType<string>());
        AssertDisjoint("first name", events.Select(e => e.Text("firstName")).OfType<string>(), sampleEvents.Select(e => e.Text("firstName")).OfType<string>());
        AssertDisjoint("last name", events.Select(e => e.Text("lastName")).OfType<string>(), sampleEvents.Select(e => e.Text("lastName")).OfType<string>());
        AssertDisjoint("location", events.Select(e => e.Text("location")).OfType<string>(), sampleEvents.Select(e => e.Text("location")).OfType<string>());
        AssertDisjoint("user agent", events.Select(e => e.Text("userAgent")).OfType<string>(), sampleEvents.Select(e => e.Text("userAgent")).OfType<string>());

        static void AssertDisjoint(string what, IEnumerable<string?> generated, IEnumerable<string?> sample)
        {
            var copied = generated.Intersect(sample).ToList();
            Assert.True(copied.Count == 0, $"generated {what}s equal to the sample's: {string.Join(", ", copied)}");
        }
    }

    [Fact]
    public async Task Zero_sizes_give_the_layout_with_empty_day_files_and_the_window_can_cross_months()
    {
        var folder = TempFolder.NewPath("gen-empty");
        try
        {
            var empty = await SparkifyDataGenerator.GenerateAsync(new GenerationOptions { OutputDirectory = folder, Songs = 0, Events = 0, Days = 3 });
            Assert.Equal((0, 3, 0L, 0), (empty.SongFiles, empty.LogFiles, empty.Events, empty.Users));
            Assert.True(Directory.Exists(empty.SongDataDirectory));
            Assert.All(Directory.GetFiles(empty.LogDataDirectory, "*", SearchOption.AllDirectories), f => Assert.Equal(0, new FileInfo(f).Length));
            Assert.True(File.Exists(empty.JsonPathsFile));

            // No songs: every play is of an unknown song. A window over New Year files by year and month.
            var crossing = await SparkifyDataGenerator.GenerateAsync(new GenerationOptions
            {
                OutputDirectory = folder, Songs = 0, Events = 600, Days = 4, StartDate = new DateOnly(2019, 12, 30), ReplaceExisting = true,
            });
            Assert.Equal(0, crossing.MatchedSongPlays);
            Assert.True(crossing.SongPlays > 0);
            Assert.Equal(
                [Path.Combine("2019", "12", "2019-12-30-events.json"), Path.Combine("2019", "12", "2019-12-31-events.json"), Path.Combine("2020", "01", "2020-01-01-events.json"), Path.Combine("2020", "01", "2020-01-02-events.json")],
                Directory.GetFiles(crossing.LogDataDirectory, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(crossing.LogDataDirectory, p)).Order(StringComparer.Ordinal));
            Assert.Equal(600, Directory.GetFiles(crossing.LogDataDirectory, "*", SearchOption.AllDirectories).Sum(p => File.ReadLines(p).Count()));
            var lastTs = File.ReadLines(Path.Combine(crossing.LogDataDirectory, "2020", "01", "2020-01-02-events.json")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("ts").GetInt64()).Max();
            Assert.True(lastTs < new DateTimeOffset(2020, 1, 3, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds());
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    [Fact]
    public async Task A_non_empty_folder_is_refused_unless_replacing_which_removes_only_generated_data()
    {
        var folder = TempFolder.NewPath("gen-replace");
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "song_data", "Z", "Z", "Z"));
            await File.WriteAllTextAsync(Path.Combine(folder, "song_data", "Z", "Z", "Z", "TRZZZ-stale.json"), "{}");
            await File.WriteAllTextAsync(Path.Combine(folder, "notes.txt"), "mine");
            var options = new GenerationOptions { OutputDirectory = folder, Songs = 10, Events = 50, Days = 2 };

            var refused = await Assert.ThrowsAsync<WarehouseException>(() => SparkifyDataGenerator.GenerateAsync(options));
            Assert.Contains("not empty", refused.Message, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(folder, "song_data", "Z", "Z", "Z", "TRZZZ-stale.json")), "a refused generation changes nothing");

            var dataset = await SparkifyDataGenerator.GenerateAsync(options with { ReplaceExisting = true });
            Assert.False(File.Exists(Path.Combine(folder, "song_data", "Z", "Z", "Z", "TRZZZ-stale.json")));
            Assert.Equal(10, Directory.GetFiles(dataset.SongDataDirectory, "*", SearchOption.AllDirectories).Length);
            Assert.Equal("mine", await File.ReadAllTextAsync(Path.Combine(folder, "notes.txt")));

            await File.WriteAllTextAsync(Path.Combine(folder, "a-file"), "");
            await Assert.ThrowsAsync<WarehouseException>(() => SparkifyDataGenerator.GenerateAsync(options with { OutputDirectory = Path.Combine(folder, "a-file"), ReplaceExisting = true }));
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    [Fact]
    public async Task Options_out_of_range_are_argument_errors()
    {
        var folder = TempFolder.NewPath("gen-args");
        var valid = new GenerationOptions { OutputDirectory = folder };
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => SparkifyDataGenerator.GenerateAsync(valid with { Songs = -1 }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => SparkifyDataGenerator.GenerateAsync(valid with { Events = -1 }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => SparkifyDataGenerator.GenerateAsync(valid with { Days = 0 }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => SparkifyDataGenerator.GenerateAsync(valid with { Days = GenerationOptions.MaxDays + 1 }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => SparkifyDataGenerator.GenerateAsync(valid with { StartDate = new DateOnly(9999, 12, 1), Days = 60 }));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => SparkifyDataGenerator.GenerateAsync(valid with { OutputDirectory = " " }));
        Assert.False(Directory.Exists(folder), "nothing is written when the options are wrong");
    }

    [Fact]
    public async Task Cancellation_stops_the_generation()
    {
        var folder = TempFolder.NewPath("gen-cancel");
        try
        {
            using var cancellation = new CancellationTokenSource();
            await cancellation.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                SparkifyDataGenerator.GenerateAsync(new GenerationOptions { OutputDirectory = folder, Songs = 10, Events = 100 }, cancellation.Token));
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    [Theory]
    [InlineData(10_000)]
    [InlineData(5)]
    public void A_session_running_past_the_window_is_squeezed_into_it_keeping_its_order(long roomMs)
    {
        var session = new ListeningSession();
        session.Reset(user: 0, sessionId: 1, ordinal: 0);
        const long start = 1_000_000;
        foreach (var offset in new long[] { 0, 0, 240_000, 480_500, 481_000, 900_000 })
        {
            session.Add(new SessionEvent { Ts = start + offset, Page = Page.NextSong });
        }

        var limit = start + roomMs + 1;
        session.FitBefore(limit);

        var ts = Enumerable.Range(0, session.Count).Select(i => session[i].Ts).ToList();
        Assert.Equal(start, ts[0]);
        Assert.All(ts, t => Assert.True(t < limit));
        Assert.True(ts.Zip(ts.Skip(1)).All(p => p.First < p.Second), string.Join(", ", ts));
    }

    [GeneratedRegex(@"^(?<dirs>[A-Z]/[A-Z]/[A-Z])/TR(?<letters>[A-Z]{3})[A-Z0-9]{13}\.json$")]
    private static partial Regex TrackPath();
}
