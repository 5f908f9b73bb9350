using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Tests.TestUtilities;
using static Sparkify.Warehouse.Tests.TestUtilities.StarTables;

namespace Sparkify.Warehouse.Tests.Loading.Ledger;

/// <summary>
/// Backfills on PostgreSQL, through the library and the command line: the sample's month laid out as
/// <c>log_data/YYYY/MM/YYYY-MM-DD-events.json</c> is loaded, then date ranges are loaded again. Which
/// files a backfill read is judged from the ledger's run ids and the load's file counts; the star tables
/// from the test oracle over the raw files. Each test has its own warehouse and folder.
/// </summary>
public sealed partial class BackfillLoadTests : IAsyncLifetime
{
    private const int SongFiles = 71;
    private static readonly SampleRecords Data = SampleRecords.Instance;

    private readonly ScratchFolder _folder = new();
    private string _connectionString = "";

    private string Events => Path.Combine(_folder.Path, "log_data");

    public async Task InitializeAsync() => _connectionString = await MigratedDatabaseFixture.CreateAsync("backfill");

    public async Task DisposeAsync()
    {
        _folder.Dispose();
        await TestPostgres.DropDatabaseAsync(_connectionString);
    }

    [Fact]
    public async Task A_backfill_rereads_exactly_its_days_though_loaded_and_leaves_the_other_days_and_a_new_day_alone()
    {
        AddDays(1, 29);
        var loader = WarehouseDb.Loader(_connectionString);
        var full = await loader.LoadAsync(Request());
        Assert.Equal((29L, (long)SongFiles, 0L), (full.EventFiles, full.SongFiles, full.FilesSkipped));
        Assert.All((await LedgerRunsAsync()).Values, run => Assert.Equal(full.RunId, run));

        // Day 30 arrives; a backfill of 5–7 November does not read it, nor the unchanged song files.
        AddDays(30, 30);
        var backfill = await loader.LoadAsync(Request() with { Since = Day(5), Until = Day(7) });

        Assert.Equal(LoadRunStatus.Succeeded, backfill.Status);
        Assert.Equal((3L, 0L, SongFiles + 26L + 1L), (backfill.EventFiles, backfill.SongFiles, backfill.FilesSkipped));
        Assert.Equal(DaysOf(5, 7).Count, backfill.EventsStaged);
        Assert.Equal(0L, backfill.SongPlaysInserted);
        var ledger = await LedgerRunsAsync();
        Assert.Equal(SongFiles + 29, ledger.Count);
        Assert.Equal([5, 6, 7], DaysRecordedBy(ledger, backfill.RunId));
        Assert.Equal([.. Enumerable.Range(1, 29).Except([5, 6, 7])], DaysRecordedBy(ledger, full.RunId));
        Assert.Equal(SongFiles, ledger.Count(row => !row.Key.StartsWith(Events, StringComparison.Ordinal) && row.Value == full.RunId));
        AssertStar(Oracle.Derive(DaysOf(1, 29), Data.Songs), await ReadStarAsync(_connectionString));

        // The next ordinary load reads the new day only.
        var daily = await loader.LoadAsync(Request());
        Assert.Equal((1L, 0L, (long)Data.EventsOfDay(30).Count), (daily.EventFiles, daily.SongFiles, daily.EventsStaged));
        Assert.Equal([30], DaysRecordedBy(await LedgerRunsAsync(), daily.RunId));
        AssertStar(SampleStars.Full, await ReadStarAsync(_connectionString));
    }

    [Fact]
    public async Task Open_ended_ranges_read_from_or_up_to_their_day_a_file_without_a_date_is_never_part_and_a_range_of_no_files_succeeds_changing_nothing()
    {
        AddDays(1, 30);
        // The same events as day 12 under a key that names no day: loaded by ordinary loads, never by a backfill.
        var undated = _folder.Write(Path.Combine("log_data", "replay", "events.json"), File.ReadAllBytes(SampleBatches.LogFile(12)));
        var loader = WarehouseDb.Loader(_connectionString);
        var full = await loader.LoadAsync(Request());
        Assert.Equal(31L, full.EventFiles);

        var since = await loader.LoadAsync(Request() with { Since = Day(28) });
        Assert.Equal((3L, (long)DaysOf(28, 30).Count), (since.EventFiles, since.EventsStaged));
        Assert.Equal([28, 29, 30], DaysRecordedBy(await LedgerRunsAsync(), since.RunId));

        var until = await loader.LoadAsync(Request() with { Until = Day(2) });
        Assert.Equal((2L, (long)DaysOf(1, 2).Count), (until.EventFiles, until.EventsStaged));
        Assert.Equal([1, 2], DaysRecordedBy(await LedgerRunsAsync(), until.RunId));

        var ledger = await LedgerRunsAsync();
        Assert.Equal(full.RunId, ledger[undated]);
        Assert.Equal([.. Enumerable.Range(3, 25)], DaysRecordedBy(ledger, full.RunId));
        var star = await ReadStarAsync(_connectionString);
        AssertStar(SampleStars.Full, star);

        // January 2019 names no file: a run that reads nothing and succeeds, and nothing else changes.
        var none = await loader.LoadAsync(Request() with { Since = new DateOnly(2019, 1, 1), Until = new DateOnly(2019, 1, 31) });
        Assert.Equal(LoadRunStatus.Succeeded, none.Status);
        Assert.Equal((0L, 0L, 0L, 0L, SongFiles + 31L), (none.EventFiles, none.SongFiles, none.EventsStaged, none.SongPlaysInserted, none.FilesSkipped));
        Assert.Equal(ledger, await LedgerRunsAsync());
        AssertStar(star, await ReadStarAsync(_connectionString));
        Assert.Equal(LoadRunStatus.Succeeded, (await WarehouseDb.RunsAsync(_connectionString)).Single(r => r.RunId == none.RunId).Status);
    }

    /// <summary>
    /// Loads add and update but never delete: a play removed from a re-read file stays in the warehouse,
    /// and a play added to it is inserted. Only a full refresh rebuilds the star tables from the files as
    /// they are now.
    /// </summary>
    [Fact]
    public async Task A_backfill_of_an_edited_day_adds_its_new_play_keeps_the_removed_one_and_a_full_refresh_then_drops_it()
    {
        AddDays(1, 30);
        var loader = WarehouseDb.Loader(_connectionString);
        await loader.LoadAsync(Request());

        // Day 6 loses its first play and gains one: a copy of its last play as a new item, a minute later.
        var dayFile = DayFile(6);
        var lines = File.ReadAllLines(dayFile).Where(line => !string.IsNullOrWhiteSpace(line)).ToList();
        var removedAt = lines.FindIndex(line => IsPlay(RawRecords.Event(line)));
        var removed = RawRecords.Event(lines[removedAt]);
        lines.RemoveAt(removedAt);
        var added = JsonNode.Parse(lines.Last(line => IsPlay(RawRecords.Event(line))))!.AsObject();
        added["itemInSession"] = 9999;
        added["ts"] = (long)added["ts"]! + 60_000;
        lines.Add(added.ToJsonString());
        File.WriteAllLines(dayFile, lines);
        var edited = RawRecords.EventsOfFile(dayFile);
        Assert.DoesNotContain(removed, edited);

        var backfill = await loader.LoadAsync(Request() with { Since = Day(6), Until = Day(6) });

        Assert.Equal((1L, (long)edited.Count, 1L), (backfill.EventFiles, backfill.EventsStaged, backfill.SongPlaysInserted));
        var star = await ReadStarAsync(_connectionString);
        AssertStar(Oracle.Derive([.. Data.Events, .. edited], Data.Songs), star);
        Assert.Contains(star.SongPlays, p => (p.SessionId, p.ItemInSession) == (removed.SessionId, removed.ItemInSession) && p.UserId == Oracle.ParseUserId(removed.UserId!));
        Assert.Contains(star.SongPlays, p => p.ItemInSession == 9999);

        var refresh = await loader.LoadAsync(Request() with { FullRefresh = true });
        Assert.Equal(30L, refresh.EventFiles);
        var current = Enumerable.Range(1, 30).SelectMany(day => day == 6 ? edited : Data.EventsOfDay(day));
        AssertStar(Oracle.Derive(current, Data.Songs), await ReadStarAsync(_connectionString));
    }

    [Fact]
    public async Task A_custom_date_pattern_chooses_the_backfills_files_by_their_own_naming()
    {
        // Flat files named events-YYYYMMDD-app.json, one per day of 1–7 November.
        foreach (var day in Enumerable.Range(1, 7))
        {
            _folder.Write(Path.Combine("log_data", string.Create(CultureInfo.InvariantCulture, $"events-201811{day:00}-app.json")), File.ReadAllBytes(SampleBatches.LogFile(day)));
        }

        var loader = new WarehouseLoader(new WarehouseOptions { ConnectionString = _connectionString, EventFileDatePattern = "events-{yyyy}{MM}{dd}-*.json" });
        var full = await loader.LoadAsync(Request());
        var backfill = await loader.LoadAsync(Request() with { Since = Day(3), Until = Day(4) });

        Assert.Equal((2L, (long)DaysOf(3, 4).Count), (backfill.EventFiles, backfill.EventsStaged));
        var ledger = await LedgerRunsAsync();
        Assert.Equal(
            [Path.Combine(Events, "events-20181103-app.json"), Path.Combine(Events, "events-20181104-app.json")],
            ledger.Where(row => row.Value == backfill.RunId).Select(row => row.Key).Order(StringComparer.Ordinal));
        Assert.Equal(SongFiles + 5, ledger.Count(row => row.Value == full.RunId));
        AssertStar(Oracle.Derive(DaysOf(1, 7), Data.Songs), await ReadStarAsync(_connectionString));
    }

    [Fact]
    public async Task Since_after_until_is_refused_by_the_library_before_anything_is_written()
    {
        AddDays(1, 3);
        var loader = WarehouseDb.Loader(_connectionString);
        await loader.LoadAsync(Request());
        var before = await SnapshotAsync();
        var star = await ReadStarAsync(_connectionString);

        var refused = await Assert.ThrowsAsync<WarehouseException>(() => loader.LoadAsync(Request() with { Since = Day(3), Until = Day(2) }));

        Assert.Equal("--since 2018-11-03 is after --until 2018-11-02; a backfill reads the days from --since to --until, both included.", refused.Message);
        Assert.Equal(before, await SnapshotAsync());
        AssertStar(star, await ReadStarAsync(_connectionString));
    }

    [Fact]
    public async Task Sparkify_load_since_until_rereads_the_range_and_says_so_in_its_summary()
    {
        AddDays(1, 10);
        var full = await LoadAsync();
        Assert.True(full.ExitCode == 0, full.ToString());
        Assert.Equal((10L, (long)SongFiles, 0L), (Count(full, "event files"), Count(full, "song files"), Count(full, "files skipped (loaded unchanged)")));

        var backfill = await LoadAsync("--since", "2018-11-04", "--until", "2018-11-05");

        Assert.True(backfill.ExitCode == 0, backfill.ToString());
        Assert.Equal((2L, 0L, SongFiles + 8L), (Count(backfill, "event files"), Count(backfill, "song files"), Count(backfill, "files skipped (loaded unchanged)")));
        Assert.Equal(DaysOf(4, 5).Count, Count(backfill, "events staged"));
        Assert.Equal(0L, Count(backfill, "songplays inserted"));
        var runId = Guid.Parse(RunIdRow().Match(backfill.Out).Groups[1].Value);
        var ledger = await LedgerRunsAsync();
        Assert.Equal([4, 5], DaysRecordedBy(ledger, runId));
        Assert.Equal(SongFiles + 8, ledger.Count(row => row.Value == Guid.Parse(RunIdRow().Match(full.Out).Groups[1].Value)));
        AssertStar(Oracle.Derive(DaysOf(1, 10), Data.Songs), await ReadStarAsync(_connectionString));
    }

    [Theory]
    [InlineData(new[] { "--since", "2018-11-05", "--until", "2018-11-04" }, "--since 2018-11-05 is after --until 2018-11-04; a backfill reads the days from --since to --until, both included.")]
    [InlineData(new[] { "--since", "2018-02-30" }, "--since is '2018-02-30'; it must be a date YYYY-MM-DD, e.g. 2018-11-01.")]
    [InlineData(new[] { "--until", "2018-11-7" }, "--until is '2018-11-7'; it must be a date YYYY-MM-DD, e.g. 2018-11-01.")]
    public async Task Sparkify_load_refuses_a_reversed_range_or_an_impossible_date_with_one_clear_line_and_writes_nothing(string[] range, string message)
    {
        AddDays(1, 3);
        await WarehouseDb.Loader(_connectionString).LoadAsync(Request());
        var before = await SnapshotAsync();
        var star = await ReadStarAsync(_connectionString);

        var result = await LoadAsync(range);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        Assert.Equal(before, await SnapshotAsync());
        AssertStar(star, await ReadStarAsync(_connectionString));
    }

    private static DateOnly Day(int day) => new(2018, 11, day);

    private static List<EventRecord> DaysOf(int first, int last) => [.. Enumerable.Range(first, last - first + 1).SelectMany(Data.EventsOfDay)];

    private static bool IsPlay(EventRecord e) => e.Page == "NextSong" && Oracle.TryParseUserId(e.UserId, out _);

    private static long Count(CliResult result, string row)
    {
        var match = Regex.Match(result.Out, Regex.Escape(row) + @"\s*│\s*([0-9,]+)\s*│");
        Assert.True(match.Success, $"no '{row}' row in the summary:\n{result}");
        return long.Parse(match.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
    }

    /// <summary>The days (of November 2018, by the file's name) whose ledger row is <paramref name="runId"/>'s.</summary>
    private List<int> DaysRecordedBy(SortedDictionary<string, Guid> ledger, Guid runId)
        => [.. ledger.Where(row => row.Value == runId && row.Key.StartsWith(Path.Combine(Events, "2018", "11"), StringComparison.Ordinal))
            .Select(row => int.Parse(Path.GetFileName(row.Key)[8..10], CultureInfo.InvariantCulture))
            .Order()];

    private string DayFile(int day) => Path.Combine(Events, "2018", "11", string.Create(CultureInfo.InvariantCulture, $"2018-11-{day:00}-events.json"));

    /// <summary>Copies the sample's logs of these days into the Sparkify layout.</summary>
    private void AddDays(int first, int last)
    {
        for (var day = first; day <= last; day++)
        {
            _folder.Write(Path.GetRelativePath(_folder.Path, DayFile(day)), File.ReadAllBytes(SampleBatches.LogFile(day)));
        }
    }

    private LoadRequest Request() => new() { SongsSource = TestEnvironment.SampleSongs, EventsSource = Events };

    private Task<CliResult> LoadAsync(params string[] more)
        => CliRunner.RunAsync(["load", "--songs", TestEnvironment.SampleSongs, "--events", Events, "--connection", _connectionString, .. more]);

    /// <summary>Every ledger row's file and run, in code-point order of the files.</summary>
    private async Task<SortedDictionary<string, Guid>> LedgerRunsAsync()
        => new((await WarehouseDb.RowsAsync(_connectionString, "SELECT uri, run_id FROM load_files"))
            .Select(row => row.Split('|'))
            .ToDictionary(row => row[0], row => Guid.Parse(row[1]), StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>What a refused load must leave as it was besides the star tables: the runs and the ledger.</summary>
    private async Task<(int Runs, string Ledger)> SnapshotAsync()
        => ((await WarehouseDb.RunsAsync(_connectionString)).Count,
            string.Join('\n', await WarehouseDb.RowsAsync(_connectionString, "SELECT uri, size_bytes, run_id, loaded_at FROM load_files ORDER BY uri COLLATE \"C\"")));

    [GeneratedRegex(@"run id \(load_runs\)\s*│\s*([0-9a-f-]{36})")]
    private static partial Regex RunIdRow();
}
