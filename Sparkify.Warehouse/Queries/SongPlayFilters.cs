using Sparkify.Warehouse.Entities;

namespace Sparkify.Warehouse.Queries;

/// <summary>
/// Filters on the fact table that the analyst queries in <see cref="SongPlayQueries"/> build on.
/// They return <see cref="IQueryable{T}"/>, so they combine with each other and with any LINQ of your
/// own before the query runs, all in one SQL statement.
/// </summary>
public static class SongPlayFilters
{
    /// <summary>
    /// Keeps the plays whose <c>start_time</c> lies in [<paramref name="from"/>, <paramref name="to"/>):
    /// <paramref name="from"/> inclusive, <paramref name="to"/> exclusive. Either bound may be null for
    /// an open end.
    /// </summary>
    /// <remarks>
    /// <c>start_time</c> is UTC stored without a time zone. A bound of kind <see cref="DateTimeKind.Utc"/>
    /// or <see cref="DateTimeKind.Unspecified"/> is taken as UTC; a <see cref="DateTimeKind.Local"/>
    /// one is converted to UTC first.
    /// </remarks>
    /// <example>
    /// <code>
    /// // Plays of the first week of November 2018.
    /// var week = context.SongPlays.Between(new DateTime(2018, 11, 1), new DateTime(2018, 11, 8));
    /// var count = await week.CountAsync();
    /// </code>
    /// </example>
    /// <param name="plays">The plays to filter, e.g. <see cref="WarehouseDbContext.SongPlays"/>.</param>
    /// <param name="from">First instant included, or null.</param>
    /// <param name="to">First instant excluded, or null.</param>
    /// <returns>The filtered plays.</returns>
    /// <exception cref="ArgumentException"><paramref name="from"/> is not before <paramref name="to"/>.</exception>
    public static IQueryable<SongPlay> Between(this IQueryable<SongPlay> plays, DateTime? from, DateTime? to)
    {
        ArgumentNullException.ThrowIfNull(plays);
        var start = from is { } f ? AsStoredUtc(f) : (DateTime?)null;
        var end = to is { } t ? AsStoredUtc(t) : (DateTime?)null;
        if (start is { } s && end is { } e && s >= e)
        {
            throw new ArgumentException($"The window is empty: from ({s:O}) must be before to ({e:O}).", nameof(from));
        }

        if (start is { } lower)
        {
            plays = plays.Where(p => p.StartTime >= lower);
        }

        if (end is { } upper)
        {
            plays = plays.Where(p => p.StartTime < upper);
        }

        return plays;
    }

    /// <summary>Keeps the plays made at the given subscription level (<c>songplays.level</c>, the level at play time).</summary>
    /// <example>
    /// <code>
    /// var paidTopSongs = await context.SongPlays.ForLevel("paid").TopSongs(limit: 5).ToListAsync();
    /// </code>
    /// </example>
    /// <param name="plays">The plays to filter.</param>
    /// <param name="level">The level, e.g. <c>free</c> or <c>paid</c> (compared exactly).</param>
    /// <returns>The filtered plays.</returns>
    public static IQueryable<SongPlay> ForLevel(this IQueryable<SongPlay> plays, string level)
    {
        ArgumentNullException.ThrowIfNull(plays);
        ArgumentException.ThrowIfNullOrEmpty(level);
        return plays.Where(p => p.Level == level);
    }

    // Npgsql refuses to write a UTC-kind DateTime into a "timestamp without time zone" parameter, and
    // a local time would silently shift; the stored values are UTC with an unspecified kind.
    private static DateTime AsStoredUtc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Local => DateTime.SpecifyKind(value.ToUniversalTime(), DateTimeKind.Unspecified),
        DateTimeKind.Utc => DateTime.SpecifyKind(value, DateTimeKind.Unspecified),
        _ => value,
    };
}
