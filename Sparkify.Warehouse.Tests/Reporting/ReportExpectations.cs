using System.Globalization;
using System.Text.Json;
using Npgsql;
using Sparkify.Warehouse.Queries;
using Sparkify.Warehouse.Tests.Queries;

namespace Sparkify.Warehouse.Tests.Reporting;

/// <summary>
/// What a report page must show, computed without the library: hand-written SQL over the star
/// tables (<see cref="QueryOracle"/>), which tests elsewhere also check against the raw JSON.
/// </summary>
internal sealed record ExpectedReport(
    PlaySummaryRow Summary,
    DateTime? LastLoaded,
    List<string> LoadStatuses,
    List<LevelComparisonRow> Levels,
    Dictionary<string, List<PlaysByHourRow>> Hours,
    Dictionary<string, List<PlaysByWeekdayRow>> Weekdays,
    List<DailyActiveUsersRow> Daily,
    List<TopSongRow> Songs,
    List<TopArtistRow> Artists,
    List<TopLocationRow> Locations)
{
    public static async Task<ExpectedReport> FromSqlAsync(string connectionString, QueryFilter filter, int limit = SongPlayQueries.DefaultLimit)
    {
        var levels = await QueryOracle.LevelComparisonAsync(connectionString, filter);
        var hours = new Dictionary<string, List<PlaysByHourRow>>();
        var weekdays = new Dictionary<string, List<PlaysByWeekdayRow>>();
        foreach (var level in levels.Select(l => l.Level!))
        {
            hours[level] = await QueryOracle.PlaysByHourAsync(connectionString, filter with { Level = level });
            weekdays[level] = await QueryOracle.PlaysByWeekdayAsync(connectionString, filter with { Level = level });
        }

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var loaded = new NpgsqlCommand("SELECT MAX(finished_at) FROM load_runs WHERE status = 'succeeded'", connection);
        var lastLoaded = await loaded.ExecuteScalarAsync() as DateTime?;
        var statuses = new List<string>();
        await using (var runs = new NpgsqlCommand("SELECT status FROM load_runs ORDER BY started_at DESC LIMIT 10", connection))
        await using (var reader = await runs.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                statuses.Add(reader.GetString(0));
            }
        }

        return new ExpectedReport(
            await QueryOracle.SummaryAsync(connectionString, filter), lastLoaded, statuses, levels, hours, weekdays,
            await QueryOracle.DailyActiveUsersAsync(connectionString, filter),
            await QueryOracle.TopSongsAsync(connectionString, filter, limit),
            await QueryOracle.TopArtistsAsync(connectionString, filter, limit),
            await QueryOracle.TopLocationsAsync(connectionString, filter, limit));
    }

    /// <summary>
    /// Asserts that the parts an oracle over raw events can compute agree with this expectation, so a
    /// page equal to it is also equal to the raw data.
    /// </summary>
    public void AssertAgreesWithRaw(IReadOnlyList<RawPlay> plays, int limit = SongPlayQueries.DefaultLimit)
    {
        Assert.Equal(plays.Count, Summary.Plays);
        Assert.Equal(plays.Select(p => p.UserId).Distinct().LongCount(), Summary.Listeners);
        Assert.Equal(plays.Min(p => p.StartTime), Summary.FirstPlay);
        Assert.Equal(plays.Max(p => p.StartTime), Summary.LastPlay);
        Assert.Equal(QueryOracle.LevelComparison(plays), Levels);
        foreach (var level in Levels.Select(l => l.Level!))
        {
            var ofLevel = plays.Where(p => p.Level == level).ToList();
            Assert.Equal(QueryOracle.ByHour(ofLevel), Hours[level]);
            Assert.Equal(QueryOracle.ByWeekday(ofLevel), Weekdays[level]);
        }

        Assert.Equal(QueryOracle.DailyActiveUsers(plays), Daily);
        Assert.Equal(QueryOracle.TopLocations(plays, limit), Locations);
    }
}

/// <summary>What the page shows, read in the browser: headline tiles, chart marks and table cells.</summary>
internal sealed record ReportPage(JsonElement Page)
{
    // Reads the DOM the way a reader sees it (text content), plus each mark's geometry.
    public const string ReadScript = """
        const text = e => e ? e.textContent.trim() : null;
        return JSON.stringify({
          tiles: Object.fromEntries([...document.querySelectorAll('[data-metric]')].map(t => [t.dataset.metric, { value: text(t.querySelector('.value')), note: text(t.querySelector('.note')) }])),
          charts: Object.fromEntries([...document.querySelectorAll('svg.chart')].map(svg => [svg.closest('section').id, {
            title: text(svg.querySelector(':scope > title')),
            axisTitles: [...svg.querySelectorAll('.axis-title')].map(text),
            marks: [...svg.querySelectorAll('.mark')].map(m => ({
              series: m.dataset.series ?? null, category: m.dataset.category, value: Number(m.dataset.value), hover: text(m.querySelector('title')),
              height: m.tagName === 'rect' ? Number(m.getAttribute('height')) : null,
              cy: m.tagName === 'circle' ? Number(m.getAttribute('cy')) : null,
              shown: m.getBoundingClientRect().width > 0 }))
          }])),
          tables: Object.fromEntries([...document.querySelectorAll('table[data-table]')].map(t => [t.dataset.table, {
            head: [...t.tHead.rows[0].cells].map(text),
            rows: [...t.tBodies[0].rows].map(r => [...r.cells].map(text)) }])),
          empty: text(document.getElementById('empty')),
          noLoads: document.querySelector('[data-no-loads]') !== null,
          resources: performance.getEntriesByType('resource').length,
          scripts: document.scripts.length,
          title: document.title
        });
        """;

    public JsonElement Tile(string metric) => Page.GetProperty("tiles").GetProperty(metric);

    public string TileValue(string metric) => Tile(metric).GetProperty("value").GetString()!;

    public JsonElement Chart(string id) => Page.GetProperty("charts").GetProperty(id);

    public List<List<string>> Rows(string table)
        => [.. Page.GetProperty("tables").GetProperty(table).GetProperty("rows").EnumerateArray().Select(r => r.EnumerateArray().Select(c => c.GetString()!).ToList())];

    public List<string> Head(string table) => [.. Page.GetProperty("tables").GetProperty(table).GetProperty("head").EnumerateArray().Select(c => c.GetString()!)];

    public static long Count(string text) => long.Parse(text, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);

    /// <summary>Asserts the page shows exactly <paramref name="expected"/>, in text, tables and chart marks.</summary>
    public void AssertShows(ExpectedReport expected)
    {
        var s = expected.Summary;
        Assert.Equal(s.Plays, Count(TileValue("plays")));
        Assert.Equal(s.Listeners, Count(TileValue("listeners")));
        Assert.Equal(s.Songs, Count(TileValue("songs")));
        Assert.Equal(s.Artists, Count(TileValue("artists")));
        Assert.Equal($"{Invariant(s.MatchedPlays)} of {Invariant(s.Plays)} plays", Tile("matched").GetProperty("note").GetString());
        var percent = 100.0 * s.MatchedPlays / s.Plays;
        var shownPercent = TileValue("matched");
        if (shownPercent == "<0.01%")
        {
            Assert.InRange(percent, double.Epsilon, 0.005);
        }
        else
        {
            Assert.Equal(percent, double.Parse(shownPercent.TrimEnd('%'), CultureInfo.InvariantCulture), 0.005 + 1e-9);
        }

        Assert.Equal($"{s.FirstPlay:yyyy-MM-dd} – {s.LastPlay:yyyy-MM-dd}", TileValue("period"));
        Assert.Equal(expected.LastLoaded is { } loaded ? $"{loaded:yyyy-MM-dd HH:mm} UTC" : "never", TileValue("last-loaded"));

        var levels = expected.Levels.Select(l => l.Level!).ToList();
        AssertBars("plays-by-hour", "Hour", levels, 24, (level, c) => expected.Hours[level][c].Plays, c => c.ToString("00", CultureInfo.InvariantCulture));
        string[] weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
        AssertBars("plays-by-weekday", "Weekday", levels, 7, (level, c) => expected.Weekdays[level][c].Plays, c => weekdays[c]);
        AssertLine(expected.Daily);

        Assert.Equal(
            expected.Levels.Select(l => new List<string> { l.Level!, Invariant(l.Users), Invariant(l.Plays), l.PlaysPerUser.ToString("N2", CultureInfo.InvariantCulture) }),
            Rows("level-comparison"));
        Assert.Equal(
            expected.Songs.Select((r, i) => new List<string> { $"{i + 1}", r.Title ?? r.SongId, r.ArtistName ?? "(unknown)", Invariant(r.Plays) }),
            Rows("top-songs").Where(r => r.Count == 4));
        Assert.Equal(
            expected.Artists.Select((r, i) => new List<string> { $"{i + 1}", r.Name ?? r.ArtistId, Invariant(r.Plays) }),
            Rows("top-artists").Where(r => r.Count == 3));
        Assert.Equal(
            expected.Locations.Select((r, i) => new List<string> { $"{i + 1}", r.Location ?? "(no location)", Invariant(r.Plays) }),
            Rows("top-locations"));
        Assert.Equal(expected.LoadStatuses, Rows("load-runs").Select(r => r[1]));
    }

    private static string Invariant(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private void AssertBars(string id, string categoryHeader, List<string> levels, int categories, Func<string, int, long> expected, Func<int, string> label)
    {
        Assert.Equal([categoryHeader, .. levels, "All"], Head(id));
        var rows = Rows(id);
        Assert.Equal(categories, rows.Count);
        for (var c = 0; c < categories; c++)
        {
            var category = c;
            Assert.Equal([label(c), .. levels.Select(l => Invariant(expected(l, category))), Invariant(levels.Sum(l => expected(l, category)))], rows[c]);
        }

        // One bar per level and category, each with its value, its hover text, and a height in
        // proportion to its value on the chart's one axis.
        var chart = Chart(id);
        Assert.Contains("Plays", chart.GetProperty("axisTitles").EnumerateArray().Select(t => t.GetString()));
        var marks = chart.GetProperty("marks").EnumerateArray().ToList();
        Assert.Equal(categories * levels.Count, marks.Count);
        var expectedMarks = levels.SelectMany(l => Enumerable.Range(0, categories).Select(c => (l, label(c), expected(l, c)))).Order().ToList();
        Assert.Equal(expectedMarks, marks.Select(m => (m.GetProperty("series").GetString()!, m.GetProperty("category").GetString()!, m.GetProperty("value").GetInt64())).Order().ToList());
        var tallest = marks.MaxBy(m => m.GetProperty("value").GetInt64());
        var perPlay = tallest.GetProperty("height").GetDouble() / tallest.GetProperty("value").GetInt64();
        Assert.All(marks, m =>
        {
            var value = m.GetProperty("value").GetInt64();
            Assert.Equal(value * perPlay, m.GetProperty("height").GetDouble(), 0.011);
            Assert.Equal($"{m.GetProperty("series").GetString()}, {m.GetProperty("category").GetString()}: {Invariant(value)} plays", m.GetProperty("hover").GetString());
            Assert.True(value == 0 || m.GetProperty("shown").GetBoolean(), "A bar with plays is not drawn.");
        });
    }

    private void AssertLine(List<DailyActiveUsersRow> expected)
    {
        Assert.Equal(expected.Select(d => new List<string> { d.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Invariant(d.Users) }), Rows("daily-active-users"));
        var marks = Chart("daily-active-users").GetProperty("marks").EnumerateArray().ToList();
        Assert.Equal(
            expected.Select(d => (d.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), d.Users)),
            marks.Select(m => (m.GetProperty("category").GetString()!, m.GetProperty("value").GetInt64())));
        Assert.All(marks, m => Assert.EndsWith($": {Invariant(m.GetProperty("value").GetInt64())} users", m.GetProperty("hover").GetString(), StringComparison.Ordinal));

        // More users sit higher on the chart (smaller y), equal users at the same height.
        var byValue = marks.OrderBy(m => m.GetProperty("value").GetInt64()).ToList();
        for (var i = 1; i < byValue.Count; i++)
        {
            var (lower, higher) = (byValue[i - 1], byValue[i]);
            var sameValue = lower.GetProperty("value").GetInt64() == higher.GetProperty("value").GetInt64();
            Assert.True(sameValue ? lower.GetProperty("cy").GetDouble() == higher.GetProperty("cy").GetDouble() : lower.GetProperty("cy").GetDouble() > higher.GetProperty("cy").GetDouble());
        }
    }
}
