using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;
using Sparkify.Warehouse.Entities;

namespace Sparkify.Warehouse.Queries;

/// <summary>
/// The analyst queries of <c>sparkify query</c>, as LINQ over the fact table. Start from
/// <see cref="WarehouseDbContext.SongPlays"/>, narrow it with <see cref="SongPlayFilters"/> or your
/// own <c>Where</c>, then call one of these.
/// </summary>
/// <remarks>
/// <para>
/// Every query translates entirely to SQL and runs as one statement: no client-side evaluation, no
/// per-row follow-up queries, no correlated subqueries. The SQL is the same on PostgreSQL and
/// Redshift except that text ordering uses <c>COLLATE "C"</c> on PostgreSQL (see
/// <see cref="WarehouseDbFunctionsExtensions.CodePointOrder"/>).
/// </para>
/// <para>
/// Ties in text are ordered by code point with NULL last, the way Redshift orders. Counts are
/// <see cref="long"/> because SQL <c>COUNT</c> is a <c>BIGINT</c>.
/// </para>
/// </remarks>
public static class SongPlayQueries
{
    /// <summary>The number of rows the <c>Top…</c> queries return unless told otherwise.</summary>
    public const int DefaultLimit = 10;

    /// <summary>
    /// The most played songs: matched plays only (unmatched plays have no song), most plays first,
    /// ties by song id. Title and artist name come from the <c>songs</c> and <c>artists</c> dimensions.
    /// </summary>
    /// <example>
    /// <code>
    /// var top = await context.SongPlays
    ///     .Between(new DateTime(2018, 11, 1), new DateTime(2018, 12, 1))
    ///     .ForLevel("paid")
    ///     .TopSongs(limit: 10)
    ///     .ToListAsync();
    /// </code>
    /// </example>
    /// <param name="plays">The plays to rank.</param>
    /// <param name="limit">How many songs, at least 1.</param>
    /// <returns>A query of at most <paramref name="limit"/> rows.</returns>
    public static IQueryable<TopSongRow> TopSongs(this IQueryable<SongPlay> plays, int limit = DefaultLimit)
    {
        ArgumentNullException.ThrowIfNull(plays);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);

        // Count plays per song id first and look up the title and artist of the few top songs
        // afterwards: joining first would carry every play through two joins and group by text, four
        // times the work on a million plays.
        var top = TakeLiteral(
            plays
                .Where(p => p.SongId != null)
                .GroupBy(p => p.SongId!)
                .Select(g => new { SongId = g.Key, Plays = g.LongCount() })
                .OrderByDescending(x => x.Plays)
                .ThenBy(x => EF.Functions.CodePointOrder(x.SongId)),
            limit);
        return from t in top
               join s in SetOf<Song>(plays) on t.SongId equals s.SongId into songs
               from s in songs.DefaultIfEmpty()
               join a in SetOf<Artist>(plays) on s!.ArtistId equals a.ArtistId into artists
               from a in artists.DefaultIfEmpty()
               orderby t.Plays descending, EF.Functions.CodePointOrder(t.SongId)
               select new TopSongRow { SongId = t.SongId, Title = s!.Title, ArtistName = a!.Name, Plays = t.Plays };
    }

    /// <summary>
    /// The most played artists: matched plays only, most plays first, ties by artist id. The name
    /// comes from the <c>artists</c> dimension.
    /// </summary>
    /// <example>
    /// <code>
    /// var top = await context.SongPlays.TopArtists(limit: 5).ToListAsync();
    /// </code>
    /// </example>
    /// <param name="plays">The plays to rank.</param>
    /// <param name="limit">How many artists, at least 1.</param>
    /// <returns>A query of at most <paramref name="limit"/> rows.</returns>
    public static IQueryable<TopArtistRow> TopArtists(this IQueryable<SongPlay> plays, int limit = DefaultLimit)
    {
        ArgumentNullException.ThrowIfNull(plays);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);

        // As in TopSongs: count per artist id, then look up the names of the top few.
        var top = TakeLiteral(
            plays
                .Where(p => p.ArtistId != null)
                .GroupBy(p => p.ArtistId!)
                .Select(g => new { ArtistId = g.Key, Plays = g.LongCount() })
                .OrderByDescending(x => x.Plays)
                .ThenBy(x => EF.Functions.CodePointOrder(x.ArtistId)),
            limit);
        return from t in top
               join a in SetOf<Artist>(plays) on t.ArtistId equals a.ArtistId into artists
               from a in artists.DefaultIfEmpty()
               orderby t.Plays descending, EF.Functions.CodePointOrder(t.ArtistId)
               select new TopArtistRow { ArtistId = t.ArtistId, Name = a!.Name, Plays = t.Plays };
    }

    /// <summary>
    /// The locations with the most plays (matched or not), most plays first, ties by location with
    /// NULL last.
    /// </summary>
    /// <example>
    /// <code>
    /// var top = await context.SongPlays.ForLevel("free").TopLocations().ToListAsync();
    /// </code>
    /// </example>
    /// <param name="plays">The plays to rank.</param>
    /// <param name="limit">How many locations, at least 1.</param>
    /// <returns>A query of at most <paramref name="limit"/> rows.</returns>
    public static IQueryable<TopLocationRow> TopLocations(this IQueryable<SongPlay> plays, int limit = DefaultLimit)
    {
        ArgumentNullException.ThrowIfNull(plays);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);

        var ranked = plays
            .GroupBy(p => p.Location)
            .Select(g => new { Location = g.Key, Plays = g.LongCount() })
            .OrderByDescending(x => x.Plays)
            .ThenBy(x => EF.Functions.CodePointOrder(x.Location));
        return TakeLiteral(ranked, limit)
            .Select(x => new TopLocationRow { Location = x.Location, Plays = x.Plays });
    }

    /// <summary>
    /// Plays per hour of the day (UTC): always 24 rows, hours 0 to 23, with 0 for hours without plays.
    /// </summary>
    /// <remarks>
    /// The database returns only the hours that have plays, in one grouped query; the missing hours
    /// are added here as zeros. That is filling in a known, fixed set of buckets, not evaluating any
    /// part of the query on the client: neither target can produce the 24 buckets portably (Redshift
    /// has no <c>generate_series</c> or <c>VALUES</c> lists as tables).
    /// </remarks>
    /// <example>
    /// <code>
    /// var hours = await context.SongPlays.ForLevel("paid").PlaysByHourAsync();
    /// var busiest = hours.MaxBy(h => h.Plays);
    /// </code>
    /// </example>
    /// <param name="plays">The plays to count.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>24 rows ordered by hour.</returns>
    public static async Task<IReadOnlyList<PlaysByHourRow>> PlaysByHourAsync(
        this IQueryable<SongPlay> plays, CancellationToken cancellationToken = default)
    {
        var counts = await PlaysByHourCounts(plays).ToDictionaryAsync(r => r.Hour, r => r.Plays, cancellationToken).ConfigureAwait(false);
        return [.. Enumerable.Range(0, 24).Select(h => new PlaysByHourRow { Hour = h, Plays = counts.GetValueOrDefault(h) })];
    }

    /// <summary>
    /// Plays per day of the week (UTC): always 7 rows, 0 = Sunday to 6 = Saturday (as
    /// <c>EXTRACT(dow)</c>), with 0 for days without plays.
    /// </summary>
    /// <remarks>
    /// One grouped query; the days without plays are added as zeros afterwards, as in
    /// <see cref="PlaysByHourAsync"/>.
    /// </remarks>
    /// <example>
    /// <code>
    /// var days = await context.SongPlays.Between(from, to).PlaysByWeekdayAsync();
    /// var sundays = days[0].Plays;
    /// </code>
    /// </example>
    /// <param name="plays">The plays to count.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>7 rows ordered by weekday.</returns>
    public static async Task<IReadOnlyList<PlaysByWeekdayRow>> PlaysByWeekdayAsync(
        this IQueryable<SongPlay> plays, CancellationToken cancellationToken = default)
    {
        var counts = await PlaysByWeekdayCounts(plays).ToDictionaryAsync(r => r.Weekday, r => r.Plays, cancellationToken).ConfigureAwait(false);
        return [.. Enumerable.Range(0, 7).Select(d => new PlaysByWeekdayRow { Weekday = d, Plays = counts.GetValueOrDefault(d) })];
    }

    /// <summary>
    /// Free against paid: per level at play time, the users with at least one play at that level,
    /// the plays, and plays per user rounded to 2 decimals half away from zero (by the database's
    /// <c>ROUND</c>, so PostgreSQL and Redshift agree). Ordered by level.
    /// </summary>
    /// <example>
    /// <code>
    /// var levels = await context.SongPlays.LevelComparison().ToListAsync();
    /// // On the public sample: free 82 users, 1229 plays, 14.99; paid 22 users, 5591 plays, 254.14.
    /// </code>
    /// </example>
    /// <param name="plays">The plays to compare.</param>
    /// <returns>A query of one row per level.</returns>
    public static IQueryable<LevelComparisonRow> LevelComparison(this IQueryable<SongPlay> plays)
    {
        ArgumentNullException.ThrowIfNull(plays);

        // The division is done in NUMERIC (decimal) so that ROUND sees the exact quotient and rounds
        // half away from zero, as both databases' ROUND(numeric, 2) do (AWS's own example rounds
        // 28.05 to 28.1); .NET's Math.Round would round half to even. On Redshift the bare NUMERIC
        // casts are DECIMAL(18,0), and the quotient DECIMAL(37,19) (AWS, "Computations with numeric
        // values"): 19 decimals, exact enough that no quotient of two counts lands on the wrong side
        // of a .xx5.
        return plays
            .GroupBy(p => p.Level)
            .Select(g => new { Level = g.Key, Users = g.Select(p => p.UserId).Distinct().LongCount(), Plays = g.LongCount() })
            .OrderBy(x => EF.Functions.CodePointOrder(x.Level))
            .Select(x => new LevelComparisonRow
            {
                Level = x.Level,
                Users = x.Users,
                Plays = x.Plays,
                PlaysPerUser = Math.Round((decimal)x.Plays / x.Users, 2),
            });
    }

    /// <summary>Distinct users with at least one play, per UTC date, oldest date first.</summary>
    /// <example>
    /// <code>
    /// var days = await context.SongPlays.ForLevel("paid").DailyActiveUsers().ToListAsync();
    /// </code>
    /// </example>
    /// <param name="plays">The plays to count.</param>
    /// <returns>A query of one row per date that has plays.</returns>
    public static IQueryable<DailyActiveUsersRow> DailyActiveUsers(this IQueryable<SongPlay> plays)
    {
        ArgumentNullException.ThrowIfNull(plays);
        return plays
            .GroupBy(p => DateOnly.FromDateTime(p.StartTime))
            .Select(g => new { Date = g.Key, Users = g.Select(p => p.UserId).Distinct().LongCount() })
            .OrderBy(x => x.Date)
            .Select(x => new DailyActiveUsersRow { Date = x.Date, Users = x.Users });
    }

    /// <summary>
    /// One user's plays in time order (ties, which real data does not have, by session and position
    /// in the session). Unmatched plays have null song id, title and artist name.
    /// </summary>
    /// <example>
    /// <code>
    /// var history = await context.SongPlays
    ///     .Between(new DateTime(2018, 11, 15), null)
    ///     .UserHistory(userId: 15)
    ///     .ToListAsync();
    /// </code>
    /// </example>
    /// <param name="plays">The plays to search.</param>
    /// <param name="userId">The user.</param>
    /// <returns>A query of the user's plays.</returns>
    public static IQueryable<UserHistoryRow> UserHistory(this IQueryable<SongPlay> plays, int userId)
    {
        ArgumentNullException.ThrowIfNull(plays);
        return plays
            .Where(p => p.UserId == userId)
            .OrderBy(p => p.StartTime)
            .ThenBy(p => p.SessionId)
            .ThenBy(p => p.ItemInSession)
            .Select(p => new UserHistoryRow
            {
                StartTime = p.StartTime,
                SessionId = p.SessionId,
                SongId = p.SongId,
                Title = p.Song!.Title,
                ArtistName = p.Song.Artist!.Name,
                Level = p.Level,
            });
    }

    /// <summary>
    /// The headline numbers of the plays: how many, by how many users, how many matched a song, how
    /// many distinct songs and artists were played, and the first and last play. All zeros and null
    /// times when there are no plays.
    /// </summary>
    /// <remarks>
    /// One aggregate statement over the fact table; songs and artists are counted from the fact's own
    /// <c>song_id</c> and <c>artist_id</c>, so unmatched plays count as plays but not as songs.
    /// </remarks>
    /// <example>
    /// <code>
    /// var summary = await context.SongPlays.ForLevel("paid").SummaryAsync();
    /// var matchedShare = summary.Plays == 0 ? 0 : (double)summary.MatchedPlays / summary.Plays;
    /// </code>
    /// </example>
    /// <param name="plays">The plays to summarise.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>One row.</returns>
    public static async Task<PlaySummaryRow> SummaryAsync(this IQueryable<SongPlay> plays, CancellationToken cancellationToken = default)
    {
        var rows = await PlaySummaryQuery(plays).ToListAsync(cancellationToken).ConfigureAwait(false);

        // Grouping by a constant yields no group, and so no row, when there are no plays.
        return rows.SingleOrDefault() ?? new PlaySummaryRow { Plays = 0, Listeners = 0, MatchedPlays = 0, Songs = 0, Artists = 0 };
    }

    /// <summary>The grouped query behind <see cref="PlaysByHourAsync"/>: only hours that have plays.</summary>
    internal static IQueryable<PlaysByHourRow> PlaysByHourCounts(IQueryable<SongPlay> plays)
    {
        ArgumentNullException.ThrowIfNull(plays);

        // Read from the fact's own start_time rather than joining the time dimension, so the answer
        // does not depend on the dimension being complete (sparkify check verifies that separately).
        return plays
            .GroupBy(p => p.StartTime.Hour)
            .Select(g => new PlaysByHourRow { Hour = g.Key, Plays = g.LongCount() });
    }

    /// <summary>The grouped query behind <see cref="PlaysByWeekdayAsync"/>: only weekdays that have plays.</summary>
    internal static IQueryable<PlaysByWeekdayRow> PlaysByWeekdayCounts(IQueryable<SongPlay> plays)
    {
        ArgumentNullException.ThrowIfNull(plays);

        // DayOfWeek numbers Sunday as 0, like EXTRACT(dow).
        return plays
            .GroupBy(p => (int)p.StartTime.DayOfWeek)
            .Select(g => new PlaysByWeekdayRow { Weekday = g.Key, Plays = g.LongCount() });
    }

    /// <summary>The aggregate behind <see cref="SummaryAsync"/>: one row, or none when there are no plays.</summary>
    internal static IQueryable<PlaySummaryRow> PlaySummaryQuery(IQueryable<SongPlay> plays)
    {
        ArgumentNullException.ThrowIfNull(plays);

        // Written for both targets: Npgsql turns a counted predicate into COUNT(*) FILTER (WHERE ...),
        // which Redshift lacks, so matched plays are a sum of 1s; and SQL's COUNT(DISTINCT) skips NULL,
        // so unmatched plays add no song or artist.
        return plays
            .GroupBy(p => 1)
            .Select(g => new PlaySummaryRow
            {
                Plays = g.LongCount(),
                Listeners = g.Select(p => p.UserId).Distinct().LongCount(),
                MatchedPlays = g.Sum(p => p.SongId != null ? 1L : 0L),
                Songs = g.Select(p => p.SongId).Distinct().LongCount(),
                Artists = g.Select(p => p.ArtistId).Distinct().LongCount(),
                FirstPlay = g.Min(p => (DateTime?)p.StartTime),
                LastPlay = g.Max(p => (DateTime?)p.StartTime),
            });
    }

    /// <summary>
    /// Another table of the warehouse that <paramref name="plays"/> comes from, for joining after an
    /// aggregate: a query root for <typeparamref name="TEntity"/> on the same query provider (and so the
    /// same context), found through the EF query root the plays start from.
    /// </summary>
    /// <exception cref="InvalidOperationException"><paramref name="plays"/> does not start from an EF Core entity set.</exception>
    private static IQueryable<TEntity> SetOf<TEntity>(IQueryable<SongPlay> plays)
        where TEntity : class
    {
        var root = FindRoot(plays.Expression)
            ?? throw new InvalidOperationException("The analyst queries run on an EF Core query that starts from WarehouseDbContext.SongPlays.");
        var entityType = root.EntityType.Model.FindEntityType(typeof(TEntity))
            ?? throw new InvalidOperationException($"The model has no {typeof(TEntity).Name} entity.");
        return plays.Provider.CreateQuery<TEntity>(new EntityQueryRootExpression((IAsyncQueryProvider)plays.Provider, entityType));

        static EntityQueryRootExpression? FindRoot(Expression expression) => expression switch
        {
            EntityQueryRootExpression root => root,
            MethodCallExpression { Arguments.Count: > 0 } call => FindRoot(call.Arguments[0]),
            _ => null,
        };
    }

    /// <summary>
    /// <c>Take</c> with the count written into the SQL as a literal. Redshift documents
    /// <c>LIMIT</c> as taking a number, not an expression, so a bound parameter there is avoided.
    /// </summary>
    internal static IQueryable<T> TakeLiteral<T>(IQueryable<T> source, int count)
        => source.Provider.CreateQuery<T>(Expression.Call(
            typeof(Queryable),
            nameof(Queryable.Take),
            [typeof(T)],
            source.Expression,
            Expression.Call(typeof(EF), nameof(EF.Constant), [typeof(int)], Expression.Constant(count))));
}
