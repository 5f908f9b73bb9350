using Microsoft.EntityFrameworkCore;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Queries;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Queries;

/// <summary>
/// Every analyst query on the real sample, compared in full (rows and order) with answers computed
/// without the library: hand-written SQL (<see cref="QueryOracle"/>) and, where no song matching is
/// involved, plain C# over the raw JSON. The database has an en-US collation, so text order has to
/// come from the queries.
/// </summary>
public sealed class SongPlayQueriesTests(SampleWarehouseFixture sample) : IClassFixture<SampleWarehouseFixture>
{
    public static TheoryData<string> Filters => QueryFilter.Names;

    public static TheoryData<string, int> FiltersAndLimits
    {
        get
        {
            var data = new TheoryData<string, int>();
            foreach (var name in QueryFilter.All.Keys)
            {
                data.Add(name, SongPlayQueries.DefaultLimit);
            }

            data.Add("none", 1);
            data.Add("none", 3);
            data.Add("paid", 25);
            data.Add("window", 1000);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(FiltersAndLimits))]
    public async Task TopSongs_equals_hand_written_sql(string filterName, int limit)
    {
        var filter = QueryFilter.All[filterName];
        await using var context = sample.CreateContext();

        var actual = await Apply(context, filter).TopSongs(limit).ToListAsync();

        Assert.Equal(await QueryOracle.TopSongsAsync(sample.ConnectionString, filter, limit), actual);
        Assert.True(actual.Count <= limit);
    }

    [Theory]
    [MemberData(nameof(FiltersAndLimits))]
    public async Task TopArtists_equals_hand_written_sql(string filterName, int limit)
    {
        var filter = QueryFilter.All[filterName];
        await using var context = sample.CreateContext();

        var actual = await Apply(context, filter).TopArtists(limit).ToListAsync();

        Assert.Equal(await QueryOracle.TopArtistsAsync(sample.ConnectionString, filter, limit), actual);
    }

    [Theory]
    [MemberData(nameof(FiltersAndLimits))]
    public async Task TopLocations_equals_hand_written_sql_and_the_raw_json(string filterName, int limit)
    {
        var filter = QueryFilter.All[filterName];
        await using var context = sample.CreateContext();

        var actual = await Apply(context, filter).TopLocations(limit).ToListAsync();

        Assert.Equal(await QueryOracle.TopLocationsAsync(sample.ConnectionString, filter, limit), actual);
        Assert.Equal(QueryOracle.RawTopLocations(filter, limit), actual);
        Assert.Equal(Math.Min(limit, QueryOracle.RawPlays(filter).Select(p => p.Location).Distinct().Count()), actual.Count);
    }

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task PlaysByHour_gives_all_24_hours_equal_to_sql_and_the_raw_json(string filterName)
    {
        var filter = QueryFilter.All[filterName];
        await using var context = sample.CreateContext();

        var actual = await Apply(context, filter).PlaysByHourAsync();

        Assert.Equal(Enumerable.Range(0, 24), actual.Select(r => r.Hour));
        Assert.Equal(await QueryOracle.PlaysByHourAsync(sample.ConnectionString, filter), actual);
        Assert.Equal(QueryOracle.RawPlaysByHour(filter), actual);
    }

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task PlaysByWeekday_gives_all_7_days_equal_to_sql_and_the_raw_json(string filterName)
    {
        var filter = QueryFilter.All[filterName];
        await using var context = sample.CreateContext();

        var actual = await Apply(context, filter).PlaysByWeekdayAsync();

        Assert.Equal(Enumerable.Range(0, 7), actual.Select(r => r.Weekday));
        Assert.Equal(await QueryOracle.PlaysByWeekdayAsync(sample.ConnectionString, filter), actual);
        Assert.Equal(QueryOracle.RawPlaysByWeekday(filter), actual);
    }

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task LevelComparison_equals_sql_and_the_raw_json(string filterName)
    {
        var filter = QueryFilter.All[filterName];
        await using var context = sample.CreateContext();

        var actual = await Apply(context, filter).LevelComparison().ToListAsync();

        Assert.Equal(await QueryOracle.LevelComparisonAsync(sample.ConnectionString, filter), actual);
        Assert.Equal(QueryOracle.RawLevelComparison(filter), actual);
    }

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task DailyActiveUsers_equals_sql_and_the_raw_json(string filterName)
    {
        var filter = QueryFilter.All[filterName];
        await using var context = sample.CreateContext();

        var actual = await Apply(context, filter).DailyActiveUsers().ToListAsync();

        Assert.Equal(await QueryOracle.DailyActiveUsersAsync(sample.ConnectionString, filter), actual);
        Assert.Equal(QueryOracle.RawDailyActiveUsers(filter), actual);
    }

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task Summary_equals_sql_and_the_raw_json(string filterName)
    {
        var filter = QueryFilter.All[filterName];
        await using var context = sample.CreateContext();

        var actual = await Apply(context, filter).SummaryAsync();

        Assert.Equal(await QueryOracle.SummaryAsync(sample.ConnectionString, filter), actual);
        var raw = QueryOracle.RawPlays(filter);
        Assert.Equal(
            (raw.LongCount(), raw.Select(p => p.UserId).Distinct().LongCount(), raw.Min(p => p.StartTime), raw.Max(p => p.StartTime)),
            (actual.Plays, actual.Listeners, actual.FirstPlay!.Value, actual.LastPlay!.Value));
    }

    [Fact]
    public async Task Summary_of_no_plays_is_zeros_and_no_dates()
    {
        await using var context = sample.CreateContext();

        var actual = await context.SongPlays.Between(new DateTime(2019, 1, 1), null).SummaryAsync();

        Assert.Equal(new PlaySummaryRow { Plays = 0, Listeners = 0, MatchedPlays = 0, Songs = 0, Artists = 0, FirstPlay = null, LastPlay = null }, actual);
    }

    [Theory]
    [InlineData("none", 15)]
    [InlineData("none", 49)]
    [InlineData("window", 49)]
    [InlineData("paid", 88)]
    [InlineData("free", 88)]
    [InlineData("none", 999999)]
    public async Task UserHistory_equals_hand_written_sql(string filterName, int userId)
    {
        var filter = QueryFilter.All[filterName];
        await using var context = sample.CreateContext();

        var actual = await Apply(context, filter).UserHistory(userId).ToListAsync();

        Assert.Equal(await QueryOracle.UserHistoryAsync(sample.ConnectionString, filter, userId), actual);
        Assert.Equal(QueryOracle.RawPlays(filter).Count(p => p.UserId == userId), actual.Count);
    }

    [Fact]
    public async Task The_sample_has_the_known_headline_numbers()
    {
        await using var context = sample.CreateContext();

        var levels = await context.SongPlays.LevelComparison().ToListAsync();
        var topSongs = await context.SongPlays.TopSongs().ToListAsync();

        // The real sample matches exactly one play to a song (a play matches a song on exact title, artist name and length).
        Assert.Equal(
            [new LevelComparisonRow { Level = "free", Users = 82, Plays = 1229, PlaysPerUser = 14.99m }, new LevelComparisonRow { Level = "paid", Users = 22, Plays = 5591, PlaysPerUser = 254.14m }],
            levels);
        var song = Assert.Single(topSongs);
        Assert.Equal(1, song.Plays);
        Assert.NotNull(song.Title);
        Assert.NotNull(song.ArtistName);
        Assert.Equal(6820, (await context.SongPlays.PlaysByHourAsync()).Sum(r => r.Plays));
    }

    [Fact]
    public async Task User_history_has_null_title_and_artist_exactly_for_unmatched_plays()
    {
        await using var context = sample.CreateContext();
        var matchedUser = await context.SongPlays.Where(p => p.SongId != null).Select(p => p.UserId).FirstAsync();

        var history = await context.SongPlays.UserHistory(matchedUser).ToListAsync();

        Assert.Contains(history, h => h.SongId is null);
        Assert.All(history.Where(h => h.SongId is null), h => Assert.Equal((null, null), (h.Title, h.ArtistName)));
        var matched = Assert.Single(history, h => h.SongId is not null);
        Assert.NotNull(matched.Title);
        Assert.NotNull(matched.ArtistName);
        Assert.Equal(history.OrderBy(h => h.StartTime).Select(h => h.StartTime), history.Select(h => h.StartTime));
    }

    [Fact]
    public async Task Results_stay_composable_in_the_database()
    {
        await using var context = sample.CreateContext();

        // Further LINQ on a helper's rows is still translated (EF throws if it is not).
        var busyDays = await context.SongPlays.DailyActiveUsers().Where(d => d.Users >= 20).OrderByDescending(d => d.Users).Take(3).ToListAsync();
        var paidPlaysOfWomen = await context.SongPlays.ForLevel("paid").Where(p => p.User!.Gender == "F").TopLocations(3).ToListAsync();

        Assert.Equal(3, busyDays.Count);
        Assert.True(busyDays[0].Users >= busyDays[2].Users);
        Assert.Equal(3, paidPlaysOfWomen.Count);
    }

    [Fact]
    public async Task Filters_reject_empty_windows_and_treat_utc_and_unspecified_alike()
    {
        await using var context = sample.CreateContext();
        var from = new DateTime(2018, 11, 10, 0, 0, 0);

        Assert.Throws<ArgumentException>(() => context.SongPlays.Between(from, from));
        Assert.Throws<ArgumentException>(() => context.SongPlays.ForLevel(""));
        Assert.Throws<ArgumentOutOfRangeException>(() => context.SongPlays.TopSongs(0));
        var unspecified = await context.SongPlays.Between(from, from.AddDays(1)).CountAsync();
        var utc = await context.SongPlays.Between(DateTime.SpecifyKind(from, DateTimeKind.Utc), DateTime.SpecifyKind(from.AddDays(1), DateTimeKind.Utc)).CountAsync();
        Assert.Equal(unspecified, utc);
        Assert.True(utc > 0);
    }

    private static IQueryable<SongPlay> Apply(WarehouseDbContext context, QueryFilter filter)
    {
        var plays = context.SongPlays.Between(filter.From, filter.To);
        return filter.Level is { } level ? plays.ForLevel(level) : plays;
    }
}
