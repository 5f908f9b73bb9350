using System.Globalization;

namespace Sparkify.Warehouse.Loading.Ledger;

/// <summary>
/// A backfill: the event files whose key names a day from <see cref="Since"/> to <see cref="Until"/>
/// (both inclusive; either may be open). Files whose key has no date are not part of a backfill.
/// </summary>
internal sealed record Backfill(DateOnly? Since, DateOnly? Until)
{
    /// <summary>The text form of a backfill date.</summary>
    public const string DateFormat = "yyyy-MM-dd";

    /// <summary>The backfill <paramref name="request"/> asks for, or null when it names no dates.</summary>
    /// <exception cref="WarehouseException">Since is after until.</exception>
    public static Backfill? Of(LoadRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Since is null && request.Until is null)
        {
            return null;
        }

        if (request.Since > request.Until)
        {
            throw new WarehouseException($"--since {Format(request.Since.Value)} is after --until {Format(request.Until!.Value)}; a backfill reads the days from --since to --until, both included.");
        }

        return new Backfill(request.Since, request.Until);
    }

    /// <summary>
    /// The backfill <paramref name="request"/> asks for on the warehouse <paramref name="options"/> describe:
    /// a Redshift load picks files only through a manifest, so without a manifest prefix it reads every
    /// file under its sources and cannot backfill.
    /// </summary>
    /// <exception cref="WarehouseException">Since is after until, or a Redshift backfill without a manifest prefix.</exception>
    public static Backfill? For(LoadRequest request, WarehouseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var backfill = Of(request);
        if (backfill is not null && WarehouseFiles.ReadsEveryFile(options))
        {
            throw new WarehouseException("Backfills (--since/--until) on Redshift need a manifest prefix: set --manifest-prefix s3://bucket/prefix (Sparkify:Redshift:ManifestPrefix), where the load writes the manifest of the days' files. Without one, a Redshift load COPYs every file under its sources.");
        }

        return backfill;
    }

    /// <summary>Parses a date given as <c>YYYY-MM-DD</c>.</summary>
    /// <param name="text">The text as given.</param>
    /// <param name="option">The option's name, for the message.</param>
    /// <exception cref="WarehouseException">Not a real date in that form.</exception>
    public static DateOnly ParseDate(string text, string option)
    {
        ArgumentNullException.ThrowIfNull(text);
        return DateOnly.TryParseExact(text.Trim(), DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw new WarehouseException($"{option} is {InputDisplay.Quote(text)}; it must be a date YYYY-MM-DD, e.g. 2018-11-01.");
    }

    /// <summary>Whether the day <paramref name="date"/> (null: the key has none) is part of the backfill.</summary>
    public bool Includes(DateOnly? date)
        => date is { } day && (Since is null || day >= Since) && (Until is null || day <= Until);

    private static string Format(DateOnly date) => date.ToString(DateFormat, CultureInfo.InvariantCulture);
}
