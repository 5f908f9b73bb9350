using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Queries;

namespace Sparkify.Warehouse.Cli.Queries;

/// <summary>What <c>sparkify query</c> was asked for, validated.</summary>
internal sealed record QueryArguments(DateTime? From, DateTime? To, string? Level, int Limit, int? UserId);

/// <summary>A query's answer as the output formats see it: the documented field names (README "sparkify query") and one value per field.</summary>
/// <remarks>Values are <see cref="string"/>, <see cref="int"/>, <see cref="long"/>, <see cref="decimal"/>, <see cref="DateTime"/> (UTC), <see cref="DateOnly"/> or null.</remarks>
internal sealed record QueryResult(string Name, IReadOnlyList<string> Fields, IReadOnlyList<object?[]> Rows);

/// <summary>How a query draws as a bar chart: a label and a value per row.</summary>
internal sealed record ChartSpec(string Title, Func<object?[], string> Label, Func<object?[], double> Value);

/// <summary>One query of <c>sparkify query</c>.</summary>
/// <param name="Name">What <c>sparkify query</c> calls it.</param>
/// <param name="Description">One line for the command's help.</param>
/// <param name="Fields">The output's field names, in order.</param>
/// <param name="FieldTypes">Each field's value type, as <see cref="Run"/> returns it and as the stored translation's rows are read.</param>
/// <param name="UsesLimit">Whether <c>--limit</c> applies.</param>
/// <param name="NeedsUserId">Whether <c>--user-id</c> is required.</param>
/// <param name="Chart">How <c>--chart</c> draws it, if it can.</param>
/// <param name="Buckets">
/// For a query whose first field numbers a fixed set of buckets from 0 (hours, weekdays): how many. The database returns
/// only the buckets that have plays; the missing ones are added with a count of 0, as the library's helper does.
/// </param>
/// <param name="Run">The query through the library's helper (EF Core translates it at run time).</param>
internal sealed record AnalystQuery(
    string Name,
    string Description,
    IReadOnlyList<string> Fields,
    IReadOnlyList<Type> FieldTypes,
    bool UsesLimit,
    bool NeedsUserId,
    ChartSpec? Chart,
    int? Buckets,
    Func<IQueryable<SongPlay>, QueryArguments, CancellationToken, Task<IReadOnlyList<object?[]>>> Run);

/// <summary>
/// The analyst queries (README "Analyst queries"), mapped onto the library's helpers. The field names here are the contract
/// of the JSON keys and CSV headers, in order.
/// </summary>
internal static class AnalystQueryCatalog
{
    // Declared before All, whose chart labels use it: static fields initialise in textual order.
    private static readonly string[] WeekdayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

    public static IReadOnlyList<AnalystQuery> All { get; } =
    [
        new("top-songs", "Most played songs (matched plays only).", ["song_id", "title", "artist_name", "plays"], [typeof(string), typeof(string), typeof(string), typeof(long)], UsesLimit: true, NeedsUserId: false,
            new ChartSpec("Plays per song", r => Text(r[1]) ?? Text(r[0])!, r => Number(r[3])), Buckets: null,
            async (plays, args, ct) => Rows(await plays.TopSongs(args.Limit).ToListAsync(ct).ConfigureAwait(false), r => [r.SongId, r.Title, r.ArtistName, r.Plays])),
        new("top-artists", "Most played artists (matched plays only).", ["artist_id", "name", "plays"], [typeof(string), typeof(string), typeof(long)], UsesLimit: true, NeedsUserId: false,
            new ChartSpec("Plays per artist", r => Text(r[1]) ?? Text(r[0])!, r => Number(r[2])), Buckets: null,
            async (plays, args, ct) => Rows(await plays.TopArtists(args.Limit).ToListAsync(ct).ConfigureAwait(false), r => [r.ArtistId, r.Name, r.Plays])),
        new("top-locations", "Locations with the most plays.", ["location", "plays"], [typeof(string), typeof(long)], UsesLimit: true, NeedsUserId: false,
            new ChartSpec("Plays per location", r => Text(r[0]) ?? "(no location)", r => Number(r[1])), Buckets: null,
            async (plays, args, ct) => Rows(await plays.TopLocations(args.Limit).ToListAsync(ct).ConfigureAwait(false), r => [r.Location, r.Plays])),
        new("plays-by-hour", "Plays per hour of the day, UTC (all 24 hours).", ["hour", "plays"], [typeof(int), typeof(long)], UsesLimit: false, NeedsUserId: false,
            new ChartSpec("Plays by hour (UTC)", r => $"{r[0]:00}h", r => Number(r[1])), Buckets: 24,
            async (plays, _, ct) => Rows(await plays.PlaysByHourAsync(ct).ConfigureAwait(false), r => [r.Hour, r.Plays])),
        new("plays-by-weekday", "Plays per day of the week, UTC (0 = Sunday; all 7 days).", ["weekday", "plays"], [typeof(int), typeof(long)], UsesLimit: false, NeedsUserId: false,
            new ChartSpec("Plays by weekday (UTC)", r => $"{r[0]} {WeekdayNames[(int)r[0]!]}", r => Number(r[1])), Buckets: 7,
            async (plays, _, ct) => Rows(await plays.PlaysByWeekdayAsync(ct).ConfigureAwait(false), r => [r.Weekday, r.Plays])),
        new("level-comparison", "Users, plays and plays per user, free against paid.", ["level", "users", "plays", "plays_per_user"], [typeof(string), typeof(long), typeof(long), typeof(decimal)], UsesLimit: false, NeedsUserId: false, Chart: null, Buckets: null,
            async (plays, _, ct) => Rows(await plays.LevelComparison().ToListAsync(ct).ConfigureAwait(false), r => [r.Level, r.Users, r.Plays, r.PlaysPerUser])),
        new("daily-active-users", "Users with at least one play, per UTC date.", ["date", "users"], [typeof(DateOnly), typeof(long)], UsesLimit: false, NeedsUserId: false, Chart: null, Buckets: null,
            async (plays, _, ct) => Rows(await plays.DailyActiveUsers().ToListAsync(ct).ConfigureAwait(false), r => [r.Date, r.Users])),
        new("user-history", "One user's plays in time order (needs --user-id).", ["start_time", "session_id", "song_id", "title", "artist_name", "level"], [typeof(DateTime), typeof(int), typeof(string), typeof(string), typeof(string), typeof(string)], UsesLimit: false, NeedsUserId: true, Chart: null, Buckets: null,
            async (plays, args, ct) => Rows(await plays.UserHistory(args.UserId!.Value).ToListAsync(ct).ConfigureAwait(false), r => [r.StartTime, r.SessionId, r.SongId, r.Title, r.ArtistName, r.Level])),
    ];

    public static string Names => string.Join(", ", All.Select(q => q.Name));

    public static AnalystQuery? Find(string name) => All.FirstOrDefault(q => string.Equals(q.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The plays the arguments select (<c>--from</c>, <c>--to</c>, <c>--level</c>), through the library's filters.</summary>
    public static IQueryable<SongPlay> Filter(IQueryable<SongPlay> plays, QueryArguments arguments)
    {
        plays = plays.Between(arguments.From, arguments.To);
        return arguments.Level is { } level ? plays.ForLevel(level) : plays;
    }

    private static IReadOnlyList<object?[]> Rows<T>(IEnumerable<T> rows, Func<T, object?[]> fields) => [.. rows.Select(fields)];

    private static string? Text(object? value) => value as string;

    private static double Number(object? value) => Convert.ToDouble(value, CultureInfo.InvariantCulture);
}
