using Microsoft.EntityFrameworkCore;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Queries;

namespace Sparkify.Warehouse.Reporting;

/// <summary>The plays of one subscription level, by hour and by weekday (a series of the bar charts).</summary>
internal sealed record LevelSeries(string Name, IReadOnlyList<PlaysByHourRow> Hours, IReadOnlyList<PlaysByWeekdayRow> Weekdays);

/// <summary>The number of rejected records that share a reason.</summary>
internal sealed record RejectReasonRow(string Reason, long Rejects);

/// <summary>Everything the report shows, read from the warehouse before any HTML is written.</summary>
internal sealed record ReportData(
    PlaySummaryRow Summary,
    DateTime? LastLoaded,
    IReadOnlyList<LevelComparisonRow> Levels,
    IReadOnlyList<LevelSeries> Series,
    IReadOnlyList<DailyActiveUsersRow> DailyActiveUsers,
    IReadOnlyList<TopSongRow> TopSongs,
    IReadOnlyList<TopArtistRow> TopArtists,
    IReadOnlyList<TopLocationRow> TopLocations,
    IReadOnlyList<LoadRun> RecentRuns,
    long Rejects,
    IReadOnlyList<RejectReasonRow> RejectReasons)
{
    /// <summary>How many of the latest load runs the report lists.</summary>
    public const int RecentRunCount = 10;

    /// <summary>How many reject reasons the report lists, most frequent first.</summary>
    public const int RejectReasonCount = 10;

    /// <summary>The name a series of plays without a level goes by.</summary>
    public const string NoLevel = "(no level)";

    public static async Task<ReportData> LoadAsync(WarehouseDbContext context, ReportOptions options, CancellationToken cancellationToken)
    {
        var plays = context.SongPlays.Between(options.From, options.To);
        if (options.Level is { } level)
        {
            plays = plays.ForLevel(level);
        }

        // One query after another on the one context (a DbContext runs one command at a time).
        var summary = await plays.SummaryAsync(cancellationToken).ConfigureAwait(false);
        var lastLoaded = await context.LoadRuns
            .Where(r => r.Status == LoadRunStatus.Succeeded)
            .MaxAsync(r => r.FinishedAt, cancellationToken).ConfigureAwait(false);
        var levels = await plays.LevelComparison().ToListAsync(cancellationToken).ConfigureAwait(false);

        // One series per level the plays have, so free and paid share the axes and add up to all plays.
        var series = new List<LevelSeries>();
        foreach (var row in levels)
        {
            var ofLevel = row.Level is null ? plays.Where(p => p.Level == null) : plays.ForLevel(row.Level);
            var hours = await ofLevel.PlaysByHourAsync(cancellationToken).ConfigureAwait(false);
            var weekdays = await ofLevel.PlaysByWeekdayAsync(cancellationToken).ConfigureAwait(false);
            series.Add(new LevelSeries(row.Level ?? NoLevel, hours, weekdays));
        }

        var daily = await plays.DailyActiveUsers().ToListAsync(cancellationToken).ConfigureAwait(false);
        var songs = await plays.TopSongs(options.Limit).ToListAsync(cancellationToken).ConfigureAwait(false);
        var artists = await plays.TopArtists(options.Limit).ToListAsync(cancellationToken).ConfigureAwait(false);
        var locations = await plays.TopLocations(options.Limit).ToListAsync(cancellationToken).ConfigureAwait(false);

        // The loads are about the warehouse as a whole, so the play filters do not apply to them.
        var runs = await RecentRunsQuery(context).ToListAsync(cancellationToken).ConfigureAwait(false);
        var rejects = await context.LoadErrors.LongCountAsync(cancellationToken).ConfigureAwait(false);
        var reasons = await RejectReasonsQuery(context).ToListAsync(cancellationToken).ConfigureAwait(false);

        return new ReportData(
            summary, lastLoaded, levels, series, daily, songs, artists, locations,
            runs, rejects, reasons);
    }

    /// <summary>The latest load runs, newest first.</summary>
    /// <remarks>TakeLiteral writes the row limit into the SQL: Redshift documents LIMIT as taking a number.</remarks>
    internal static IQueryable<LoadRun> RecentRunsQuery(WarehouseDbContext context)
        => SongPlayQueries.TakeLiteral(context.LoadRuns.OrderByDescending(r => r.StartedAt).ThenBy(r => r.RunId), RecentRunCount);

    /// <summary>The most frequent reject reasons, most rejects first, ties in code point order.</summary>
    internal static IQueryable<RejectReasonRow> RejectReasonsQuery(WarehouseDbContext context)
        => SongPlayQueries.TakeLiteral(
                context.LoadErrors
                    .GroupBy(e => e.Reason)
                    .Select(g => new { Reason = g.Key, Rejects = g.LongCount() })
                    .OrderByDescending(r => r.Rejects)
                    .ThenBy(r => EF.Functions.CodePointOrder(r.Reason)),
                RejectReasonCount)
            .Select(r => new RejectReasonRow(r.Reason, r.Rejects));
}
