using System.Globalization;
using System.Text.Json;
using Sparkify.Warehouse.Tests.Queries;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Reporting;

/// <summary>
/// <c>sparkify report</c>'s page opened from disk in headless Chromium: it logs no console error,
/// requests nothing, draws a mark for every data point, shows the numbers an independent oracle
/// computes (and <c>sparkify query</c> prints), and leaves a screenshot in the test output folder
/// (report-output/). The real sample, a generated month and an empty warehouse.
/// </summary>
public sealed class ReportBrowserTests(SampleWarehouseFixture sample, GeneratedMonthFixture month, MigratedDatabaseFixture empty)
    : IClassFixture<SampleWarehouseFixture>, IClassFixture<GeneratedMonthFixture>, IClassFixture<MigratedDatabaseFixture>
{
    public static string OutputFolder { get; } = Path.Combine(AppContext.BaseDirectory, "report-output");

    [Fact]
    public async Task The_sample_report_shows_the_oracle_numbers_and_sparkify_query_answers()
    {
        var none = QueryFilter.All["none"];
        var expected = await ExpectedReport.FromSqlAsync(sample.ConnectionString, none);
        expected.AssertAgreesWithRaw(QueryOracle.RawPlays(none));

        using var browser = new HeadlessChromium();
        var page = await OpenReportAsync(browser, "sample", sample.ConnectionString);

        page.AssertShows(expected);
        Assert.Equal(1, ReportPage.Count(page.TileValue("songs")));
        await AssertEqualsQueryAnswersAsync(page, sample.ConnectionString);
    }

    [Fact]
    public async Task A_filtered_sample_report_shows_only_the_filtered_plays_and_says_so()
    {
        var filter = QueryFilter.All["window-paid"];
        var expected = await ExpectedReport.FromSqlAsync(sample.ConnectionString, filter);
        expected.AssertAgreesWithRaw(QueryOracle.RawPlays(filter));

        using var browser = new HeadlessChromium();
        var page = await OpenReportAsync(browser, "sample-window-paid", sample.ConnectionString,
            "--from", $"{filter.From:yyyy-MM-dd}", "--to", $"{filter.To:yyyy-MM-dd}", "--level", "PAID", "--title", "Paid, 3–17 Nov");

        page.AssertShows(expected);
        Assert.Equal(["paid"], expected.Levels.Select(l => l.Level));
        Assert.Equal("Paid, 3–17 Nov", page.Page.GetProperty("title").GetString());
        await AssertEqualsQueryAnswersAsync(page, sample.ConnectionString, "--from", $"{filter.From:yyyy-MM-dd}", "--to", $"{filter.To:yyyy-MM-dd}", "--level", "paid");
    }

    [Fact]
    public async Task A_generated_month_report_shows_the_oracle_numbers_and_reads_in_dark_print_and_phone_layouts()
    {
        var expected = await ExpectedReport.FromSqlAsync(month.ConnectionString, QueryFilter.All["none"]);
        expected.AssertAgreesWithRaw(month.RawPlays);
        Assert.Equal((month.Dataset.SongPlays, month.Dataset.MatchedSongPlays), (expected.Summary.Plays, expected.Summary.MatchedPlays));
        Assert.Equal(30, expected.Daily.Count);

        using var browser = new HeadlessChromium();
        var page = await OpenReportAsync(browser, "generated-month", month.ConnectionString);

        page.AssertShows(expected);
        Assert.Equal(["succeeded"], expected.LoadStatuses);
        await AssertEqualsQueryAnswersAsync(page, month.ConnectionString);

        // The reader's colour scheme is followed on screen; paper is always light and shows whole tables.
        const string Look = "JSON.stringify({ background: getComputedStyle(document.body).backgroundColor, tableHeight: getComputedStyle(document.querySelector('.table-wrap')).maxHeight })";
        browser.EmulateMedia("screen", "dark");
        var dark = browser.Json("return " + Look);
        await File.WriteAllBytesAsync(Path.Combine(OutputFolder, "generated-month-dark.png"), browser.Screenshot(maxHeight: 1600));
        browser.EmulateMedia("screen", "light");
        var light = browser.Json("return " + Look);
        browser.EmulateMedia("print", "dark");
        var print = browser.Json("return " + Look);
        Assert.Equal("rgb(13, 17, 23)", dark.GetProperty("background").GetString());
        Assert.Equal("rgb(255, 255, 255)", light.GetProperty("background").GetString());
        Assert.Equal("rgb(255, 255, 255)", print.GetProperty("background").GetString());
        Assert.NotEqual("none", light.GetProperty("tableHeight").GetString());
        Assert.Equal("none", print.GetProperty("tableHeight").GetString());

        // From a phone to a wide screen nothing is cut off sideways: the page never scrolls horizontally.
        browser.EmulateMedia("screen", "light");
        foreach (var width in new[] { 360, 768, 1920 })
        {
            browser.ViewportWidth(width);
            var layout = browser.Json("return JSON.stringify({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })");
            Assert.True(layout.GetProperty("scroll").GetInt32() <= layout.GetProperty("client").GetInt32(), $"At {width} px the page is {layout.GetProperty("scroll")} px wide.");
        }

        browser.ViewportWidth(390);
        await File.WriteAllBytesAsync(Path.Combine(OutputFolder, "generated-month-phone.png"), browser.Screenshot());
        Assert.Empty(ConsoleProblems(browser));
    }

    [Fact]
    public async Task An_empty_warehouse_gives_a_page_that_says_so()
    {
        using var browser = new HeadlessChromium();
        var page = await OpenReportAsync(browser, "empty", empty.ConnectionString);

        Assert.Contains("The warehouse holds no plays yet", page.Page.GetProperty("empty").GetString(), StringComparison.Ordinal);
        Assert.Empty(page.Page.GetProperty("charts").EnumerateObject());
        Assert.Empty(page.Page.GetProperty("tables").EnumerateObject());
        Assert.Empty(page.Page.GetProperty("tiles").EnumerateObject());
        Assert.True(page.Page.GetProperty("noLoads").GetBoolean());
    }

    /// <summary>
    /// Writes the report with the CLI, opens it in the browser, checks it is self-contained and quiet,
    /// saves it and a full-page screenshot under <see cref="OutputFolder"/>, and returns what it shows.
    /// </summary>
    private static async Task<ReportPage> OpenReportAsync(HeadlessChromium browser, string name, string connectionString, params string[] options)
    {
        Directory.CreateDirectory(OutputFolder);
        var file = Path.Combine(OutputFolder, name + ".html");
        var run = await CliRunner.RunAsync(["report", "--out", file, "--connection", connectionString, .. options]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal($"Report written to {file}", run.Out.Trim());

        browser.Open(file);
        var page = new ReportPage(browser.Json("return (() => {" + ReportPage.ReadScript + "})()"));

        Assert.Empty(ConsoleProblems(browser));
        Assert.All(browser.RequestedUrls(), url => Assert.Equal(new Uri(file).AbsoluteUri, url));
        Assert.Equal(0, page.Page.GetProperty("resources").GetInt32());
        Assert.Equal(0, page.Page.GetProperty("scripts").GetInt32());

        var screenshot = Path.Combine(OutputFolder, name + ".png");
        await File.WriteAllBytesAsync(screenshot, browser.Screenshot());
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], (await File.ReadAllBytesAsync(screenshot))[..4]);
        return page;
    }

    private static List<(string Level, string Message)> ConsoleProblems(HeadlessChromium browser)
        => [.. browser.ConsoleMessages().Where(m => m.Level is "Severe" or "Warning")];

    /// <summary>The page's tables against <c>sparkify query --format json</c> with the same filters.</summary>
    private static async Task AssertEqualsQueryAnswersAsync(ReportPage page, string connectionString, params string[] filters)
    {
        async Task<List<JsonElement>> QueryAsync(string name)
        {
            var run = await CliRunner.RunAsync(["query", name, "--format", "json", "--connection", connectionString, .. filters]);
            Assert.True(run.ExitCode == 0, run.ToString());
            return [.. JsonDocument.Parse(run.Out).RootElement.EnumerateArray()];
        }

        static string N(JsonElement e) => e.GetInt64().ToString("N0", CultureInfo.InvariantCulture);

        Assert.Equal((await QueryAsync("plays-by-hour")).Select(r => N(r.GetProperty("plays"))), page.Rows("plays-by-hour").Select(r => r[^1]));
        Assert.Equal((await QueryAsync("plays-by-weekday")).Select(r => N(r.GetProperty("plays"))), page.Rows("plays-by-weekday").Select(r => r[^1]));
        Assert.Equal(
            (await QueryAsync("level-comparison")).Select(r => new List<string>
            {
                r.GetProperty("level").GetString()!, N(r.GetProperty("users")), N(r.GetProperty("plays")),
                r.GetProperty("plays_per_user").GetDecimal().ToString("N2", CultureInfo.InvariantCulture),
            }),
            page.Rows("level-comparison"));
        Assert.Equal(
            (await QueryAsync("daily-active-users")).Select(r => new List<string> { r.GetProperty("date").GetString()!, N(r.GetProperty("users")) }),
            page.Rows("daily-active-users"));
        Assert.Equal((await QueryAsync("top-songs")).Select(r => N(r.GetProperty("plays"))), page.Rows("top-songs").Where(r => r.Count == 4).Select(r => r[^1]));
        Assert.Equal((await QueryAsync("top-artists")).Select(r => r.GetProperty("name").GetString()), page.Rows("top-artists").Where(r => r.Count == 3).Select(r => r[1]));
        Assert.Equal((await QueryAsync("top-locations")).Select(r => r.GetProperty("location").GetString()), page.Rows("top-locations").Select(r => r[1]));
    }
}
