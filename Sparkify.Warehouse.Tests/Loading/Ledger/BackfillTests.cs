using Sparkify.Warehouse.Infrastructure.Internal;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Loading.Ledger;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Loading.Ledger;

/// <summary>Backfill selection: the date in an event file's key by the configurable pattern, and the inclusive range.</summary>
public sealed class BackfillTests
{
    private static readonly EventFileDatePattern Sparkify = EventFileDatePattern.Parse(EventFileDatePattern.Default, "pattern");

    [Fact]
    public void The_default_pattern_dates_every_real_sample_log_by_its_folder_and_name()
    {
        var logs = Directory.GetFiles(TestEnvironment.SampleLogs, "*", SearchOption.AllDirectories);
        Assert.Equal(30, logs.Length);
        foreach (var log in logs)
        {
            // Independently: the folders are year and month, the name starts with the day's date.
            var relative = Path.GetRelativePath(TestEnvironment.SampleLogs, log).Split(Path.DirectorySeparatorChar);
            var name = relative[^1];
            var expected = new DateOnly(int.Parse(name[..4]), int.Parse(name[5..7]), int.Parse(name[8..10]));
            Assert.Equal(expected.Year.ToString("D4"), relative[^3]);
            Assert.Equal(expected.Month.ToString("D2"), relative[^2]);

            Assert.Equal(expected, Sparkify.DateOf(log));
            Assert.Equal(expected, Sparkify.DateOf("s3://udacity-dend/log_data/" + string.Join('/', relative)));
            Assert.Equal(expected, Sparkify.DateOf("s3://udacity-dend/log_data/" + string.Join('/', relative) + ".gz"));
        }
    }

    [Theory]
    [InlineData("s3://udacity-dend/song_data/A/A/A/TRAAAAW128F429D538.json")] // a song file: no date
    [InlineData("log_data/2018/11/2018-11-01-events.json.bak")] // not at the end
    [InlineData("log_data/2018/12/2018-11-01-events.json")] // folder and name disagree
    [InlineData("log_data/2018/02/2018-02-30-events.json")] // no such day
    [InlineData("log_data/2018/13/2018-13-01-events.json")] // no such month
    [InlineData("log_data/x2018/11/2018-11-01-events.json")] // the pattern starts at a segment boundary
    [InlineData("2018-11-01-events.json")] // folders missing
    public void A_key_the_pattern_does_not_date_is_not_part_of_a_backfill(string key)
    {
        Assert.Null(Sparkify.DateOf(key));
        Assert.False(new Backfill(null, null).Includes(Sparkify.DateOf(key)));
    }

    [Fact]
    public void A_custom_pattern_with_wildcards_and_any_letter_case_finds_the_date()
    {
        var pattern = EventFileDatePattern.Parse("events-{yyyy}{MM}{dd}-*.json", "pattern");
        Assert.Equal(new DateOnly(2019, 1, 31), pattern.DateOf("s3://b/raw/EVENTS-20190131-part7.JSON"));
        Assert.Equal(new DateOnly(2019, 1, 31), pattern.DateOf("s3://b/raw/events-20190131-.json.gz"));
        Assert.Null(pattern.DateOf("s3://b/raw/events-20190131/part7.json")); // '*' stays within a segment
    }

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData("{yyyy}/{MM}/events.json", "missing {dd}")]
    [InlineData("{yyyy}-{MM}-{dd}-{HH}.json", "the only placeholders are {yyyy}, {MM} and {dd}")]
    [InlineData("**/{yyyy}-{MM}-{dd}.json", "'**' and '\\' are not allowed")]
    public void An_invalid_pattern_is_refused_by_the_options_validator_with_the_setting_named(string pattern, string reason)
    {
        var options = new WarehouseOptions { EventFileDatePattern = pattern };
        var result = new WarehouseOptionsValidator(WarehouseSettingNames.Configuration, connectionRequired: false).Validate(null, options);
        var failure = Assert.Single(result.Failures ?? []);
        Assert.StartsWith("Sparkify:EventFileDatePattern is ", failure, StringComparison.Ordinal);
        Assert.Contains(reason, failure, StringComparison.Ordinal);

        var thrown = Assert.Throws<WarehouseException>(() => EventFileDatePattern.Parse(pattern, "Sparkify:EventFileDatePattern"));
        Assert.Contains(reason, thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_options_are_valid()
        => Assert.True(new WarehouseOptionsValidator(WarehouseSettingNames.Properties, connectionRequired: false).Validate(null, new WarehouseOptions()).Succeeded);

    [Fact]
    public void The_range_is_inclusive_at_both_ends_and_either_end_may_be_open()
    {
        var range = Backfill.Of(Request(new DateOnly(2018, 11, 5), new DateOnly(2018, 11, 7)))!;
        var days = Enumerable.Range(1, 30).Select(d => new DateOnly(2018, 11, d)).Where(d => range.Includes(d)).Select(d => d.Day);
        Assert.Equal([5, 6, 7], days);
        Assert.False(range.Includes(null));

        var single = Backfill.Of(Request(new DateOnly(2018, 11, 5), new DateOnly(2018, 11, 5)))!;
        Assert.True(single.Includes(new DateOnly(2018, 11, 5)));
        Assert.False(single.Includes(new DateOnly(2018, 11, 6)));

        Assert.True(Backfill.Of(Request(new DateOnly(2018, 11, 29), null))!.Includes(new DateOnly(2030, 1, 1)));
        Assert.False(Backfill.Of(Request(null, new DateOnly(2018, 11, 2)))!.Includes(new DateOnly(2018, 11, 3)));
        Assert.Null(Backfill.Of(Request(null, null)));
    }

    [Fact]
    public void Since_after_until_is_refused_with_both_dates_named()
    {
        var thrown = Assert.Throws<WarehouseException>(() => Backfill.Of(Request(new DateOnly(2018, 11, 8), new DateOnly(2018, 11, 7))));
        Assert.Equal("--since 2018-11-08 is after --until 2018-11-07; a backfill reads the days from --since to --until, both included.", thrown.Message);
    }

    [Theory]
    [InlineData("2018-11-31")]
    [InlineData("2018/11/01")]
    [InlineData("18-11-01")]
    [InlineData("yesterday")]
    [InlineData("")]
    public void A_date_that_is_not_a_real_yyyy_mm_dd_is_refused(string text)
    {
        var thrown = Assert.Throws<WarehouseException>(() => Backfill.ParseDate(text, "--since"));
        Assert.Equal($"--since is '{text}'; it must be a date YYYY-MM-DD, e.g. 2018-11-01.", thrown.Message);
    }

    [Fact]
    public void A_real_date_parses() => Assert.Equal(new DateOnly(2018, 11, 30), Backfill.ParseDate(" 2018-11-30 ", "--until"));

    private static LoadRequest Request(DateOnly? since, DateOnly? until) => new() { SongsSource = "s", EventsSource = "e", Since = since, Until = until };
}
