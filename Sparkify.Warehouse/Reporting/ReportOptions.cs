using Sparkify.Warehouse.Queries;

namespace Sparkify.Warehouse.Reporting;

/// <summary>What <see cref="WarehouseReport.WriteHtmlAsync"/> reports on and how the page is titled.</summary>
public sealed record ReportOptions
{
    /// <summary>The page title when <see cref="Title"/> is not set.</summary>
    public const string DefaultTitle = "Sparkify listening report";

    /// <summary>Only plays with <c>start_time</c> at or after this instant (UTC unless its kind says otherwise); null for no lower bound.</summary>
    public DateTime? From { get; init; }

    /// <summary>Only plays with <c>start_time</c> before this instant (exclusive); null for no upper bound.</summary>
    public DateTime? To { get; init; }

    /// <summary>Only plays at this subscription level at play time (e.g. <c>free</c> or <c>paid</c>); null for all.</summary>
    public string? Level { get; init; }

    /// <summary>The page's title and main heading; <see cref="DefaultTitle"/> when null or blank.</summary>
    public string? Title { get; init; }

    /// <summary>Rows of the top songs, artists and locations tables, at least 1.</summary>
    public int Limit { get; init; } = SongPlayQueries.DefaultLimit;
}
