using System.Globalization;
using System.Net;

namespace Sparkify.Warehouse.Reporting;

/// <summary>Encoding and the few number and time formats the report uses, all culture-invariant so the page reads the same everywhere.</summary>
internal static class Html
{
    /// <summary>Text made safe for element content and quoted attribute values (&amp;, &lt;, &gt;, both quotes).</summary>
    public static string Encode(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>A count for people: thousands separated by commas.</summary>
    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A number for machines (attributes): no separators.</summary>
    public static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Decimal(decimal value) => value.ToString("N2", CultureInfo.InvariantCulture);

    public static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Minute(DateTime time) => time.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    public static string Iso(DateTime time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A share as a percentage with two decimals; a share too small to show as 0.01% says so rather than reading as none.</summary>
    public static string Percent(long part, long whole)
    {
        if (whole == 0)
        {
            return "–";
        }

        var percent = 100.0 * part / whole;
        return part > 0 && percent < 0.005 ? "<0.01%" : percent.ToString("0.00", CultureInfo.InvariantCulture) + "%";
    }

    /// <summary>A duration for people: seconds below a minute, else minutes and seconds.</summary>
    public static string Duration(TimeSpan duration) => duration.TotalSeconds < 60
        ? duration.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s"
        : string.Create(CultureInfo.InvariantCulture, $"{(long)duration.TotalMinutes} min {duration.Seconds:00} s");
}
