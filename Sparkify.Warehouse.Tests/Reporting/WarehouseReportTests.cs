using System.Text;
using System.Text.RegularExpressions;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Reporting;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Reporting;

/// <summary>
/// The library's <see cref="WarehouseReport"/> on a warehouse written here by hand: untrusted text from
/// the data and the options comes out encoded (checked in the page source and in the browser's DOM),
/// the output is the same bytes apart from the generation time, and bad options write nothing.
/// </summary>
public sealed partial class WarehouseReportTests(EnUsDatabaseFixture database) : IClassFixture<EnUsDatabaseFixture>, IAsyncLifetime
{
    private const string HostileTitle = "<script>alert(\"song\")</script> & 'quoted' \"title\"";
    private const string HostileArtist = "<b onmouseover='alert(1)'>Artist</b>";
    private const string HostileLocation = "<img src=x onerror=alert(1)>, \"CA\"";
    private const string HostileReason = "cannot convert \"<iframe src='http://example.com/'>\" to integer";
    private const string HostileError = "</td><script>alert('run')</script>";
    private const string HostilePageTitle = "</title><script>alert('t')</script> Q&A";

    public async Task InitializeAsync()
    {
        await using var context = database.CreateContext();
        if (context.SongPlays.Any())
        {
            return;
        }

        var start = new DateTime(2018, 11, 14, 20, 30, 0);
        context.Artists.Add(new Artist { ArtistId = "AR1", Name = HostileArtist, SourceSongId = "SO1" });
        context.Songs.Add(new Song { SongId = "SO1", Title = HostileTitle, ArtistId = "AR1" });
        context.Users.Add(new User { UserId = 7, Level = "paid" });
        for (var i = 0; i < 3; i++)
        {
            var time = start.AddMinutes(5 * i);
            context.Time.Add(new TimeDimension { StartTime = time, Hour = time.Hour, Day = time.Day, Week = 46, Month = 11, Year = 2018, Weekday = (int)time.DayOfWeek });
            context.SongPlays.Add(new SongPlay
            {
                StartTime = time, UserId = 7, Level = "paid", SongId = i < 2 ? "SO1" : null, ArtistId = i < 2 ? "AR1" : null, SessionId = 1, ItemInSession = i,
                Location = HostileLocation, UserAgent = "\"Mozilla\" <script>",
            });
        }

        var run = Guid.NewGuid();
        context.LoadRuns.Add(new LoadRun { RunId = run, StartedAt = start, FinishedAt = start.AddSeconds(3), Status = LoadRunStatus.Failed, Error = HostileError, RowsRejected = 4 });
        for (var i = 0; i < 4; i++)
        {
            context.LoadErrors.Add(new LoadError { RunId = run, Source = "log.json", LineNumber = i + 1, Reason = i < 3 ? HostileReason : "not a JSON object (found a number)" });
        }

        await context.SaveChangesAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Untrusted_text_is_encoded_in_the_source_and_reads_back_unchanged_in_the_browser()
    {
        var html = await RenderAsync(new ReportOptions { Title = HostilePageTitle }, DateTime.UtcNow);

        // No markup from the data survives as markup: the only tags are the report's own.
        foreach (var tag in new[] { "<script", "<b ", "<img", "<iframe", "</td><script" })
        {
            Assert.DoesNotContain(tag, html, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Contains("&lt;script&gt;alert(&quot;song&quot;)&lt;/script&gt; &amp; &#39;quoted&#39; &quot;title&quot;", html, StringComparison.Ordinal);
        Assert.Contains("<title>&lt;/title&gt;&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt; Q&amp;A</title>", html, StringComparison.Ordinal);

        var file = Path.Combine(ReportBrowserTests.OutputFolder, "hostile.html");
        Directory.CreateDirectory(ReportBrowserTests.OutputFolder);
        await File.WriteAllTextAsync(file, html);
        using var browser = new HeadlessChromium();
        browser.Open(file);
        var page = new ReportPage(browser.Json("return (() => {" + ReportPage.ReadScript + "})()"));

        Assert.Equal(0, page.Page.GetProperty("scripts").GetInt32());
        Assert.Equal(HostilePageTitle, page.Page.GetProperty("title").GetString());
        Assert.Equal([["1", HostileTitle, HostileArtist, "2"]], page.Rows("top-songs"));
        Assert.Equal([["1", HostileArtist, "2"]], page.Rows("top-artists"));
        Assert.Equal([["1", HostileLocation, "3"]], page.Rows("top-locations"));
        Assert.Equal([[HostileReason, "3"], ["not a JSON object (found a number)", "1"]], page.Rows("load-errors"));
        var runRow = Assert.Single(page.Rows("load-runs"));
        Assert.Equal("failed" + HostileError, runRow[1]);
        Assert.Equal("66.67%", page.TileValue("matched"));
        Assert.DoesNotContain(browser.ConsoleMessages(), m => m.Level is "Severe" or "Warning");
        Assert.All(browser.RequestedUrls(), url => Assert.Equal(new Uri(file).AbsoluteUri, url));
    }

    [Fact]
    public async Task The_same_data_gives_the_same_bytes_apart_from_the_generation_time()
    {
        var at = new DateTime(2026, 12, 6, 3, 4, 5, DateTimeKind.Utc);
        var first = await RenderAsync(new ReportOptions(), at);
        var second = await RenderAsync(new ReportOptions(), at);
        var later = await RenderAsync(new ReportOptions(), at.AddHours(1));

        Assert.Equal(first, second);
        Assert.NotEqual(first, later);
        Assert.Equal(GeneratedTime().Replace(first, ""), GeneratedTime().Replace(later, ""));
        Assert.Contains("<time data-generated datetime=\"2026-12-06T03:04:05Z\">2026-12-06 03:04 UTC</time>", first, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_window_without_plays_says_so_and_bad_options_write_nothing()
    {
        var html = await RenderAsync(new ReportOptions { From = new DateTime(2019, 1, 1), Level = "free" }, DateTime.UtcNow);
        Assert.Contains("No plays match these filters", html, StringComparison.Ordinal);
        Assert.Contains("Plays from 2019-01-01 00:00 UTC on, at level free", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<svg class=\"chart\"", html, StringComparison.Ordinal);

        await using var context = database.CreateContext();
        using var output = new MemoryStream();
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => WarehouseReport.WriteHtmlAsync(context, output, new ReportOptions { Limit = 0 }));
        await Assert.ThrowsAsync<ArgumentException>(() => WarehouseReport.WriteHtmlAsync(context, output, new ReportOptions { Level = "" }));
        await Assert.ThrowsAsync<ArgumentException>(() => WarehouseReport.WriteHtmlAsync(context, output, new ReportOptions { From = new DateTime(2018, 11, 2), To = new DateTime(2018, 11, 1) }));
        Assert.Equal(0, output.Length);
    }

    private async Task<string> RenderAsync(ReportOptions options, DateTime now)
    {
        await using var context = database.CreateContext();
        using var output = new MemoryStream();
        await WarehouseReport.WriteHtmlCoreAsync(context, output, options, new FixedClock(now), CancellationToken.None);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    [GeneratedRegex("<time data-generated [^>]*>[^<]*</time>")]
    private static partial Regex GeneratedTime();

    private sealed class FixedClock(DateTime now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(DateTime.SpecifyKind(now, DateTimeKind.Utc));
    }
}
