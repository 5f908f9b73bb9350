using System.Globalization;
using Sparkify.Warehouse.Cli.Output;

namespace Sparkify.Warehouse.Cli.Queries;

/// <summary>
/// The play filters <c>sparkify query</c> and <c>sparkify report</c> share (<c>--from</c>, <c>--to</c>,
/// <c>--level</c>), validated: times in UTC, a non-empty window, a known level.
/// </summary>
internal sealed record PlayFilterArguments(DateTime? From, DateTime? To, string? Level)
{
    /// <summary>How a time may be written, for option descriptions and error messages.</summary>
    public const string TimeHelp = "YYYY-MM-DD or an ISO-8601 time such as 2018-11-01T21:00:00Z (UTC unless an offset is given)";

    // ISO-8601 only: a bare date means midnight UTC, a time without offset is UTC, an offset is honoured.
    private static readonly string[] TimeFormats =
    [
        "yyyy-MM-dd",
        "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
        "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF",
    ];

    /// <exception cref="UsageException">A time does not parse, the window is empty, or the level is unknown.</exception>
    public static PlayFilterArguments Parse(string? fromText, string? toText, string? levelText)
    {
        var from = ParseTime("--from", fromText);
        var to = ParseTime("--to", toText);
        if (from is { } f && to is { } t && f >= t)
        {
            throw new UsageException($"--from ({f.ToString(QueryResultWriter.TimestampFormat, CultureInfo.InvariantCulture)}) must be before --to ({t.ToString(QueryResultWriter.TimestampFormat, CultureInfo.InvariantCulture)}); --to is exclusive.");
        }

        var level = levelText?.ToLowerInvariant() switch
        {
            null => null,
            "free" => "free",
            "paid" => "paid",
            _ => throw new UsageException($"Unknown level '{levelText}'. Accepted: free, paid."),
        };
        return new PlayFilterArguments(from, to, level);
    }

    private static DateTime? ParseTime(string option, string? text)
    {
        if (text is null)
        {
            return null;
        }

        return DateTime.TryParseExact(text.Trim(), TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : throw new UsageException($"{option} '{text}' is not a date or time. Use {TimeHelp}.");
    }
}
