using System.Text;

namespace Sparkify.Warehouse.Loading;

/// <summary>Shows user-supplied values inside error messages without letting them flood or forge the message.</summary>
internal static class InputDisplay
{
    private const int MaxShown = 80;

    /// <summary>
    /// The value in single quotes, control characters escaped as <c>\uXXXX</c> (so a newline cannot start
    /// a fake log line) and cut to 80 characters, because the value may be arbitrarily long input.
    /// </summary>
    public static string Quote(string value)
    {
        var builder = new StringBuilder(Math.Min(value.Length, MaxShown) + 8).Append('\'');
        var shown = 0;
        foreach (var c in value)
        {
            if (shown == MaxShown)
            {
                return builder.Append("…'").ToString();
            }

            if (char.IsControl(c))
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }

            shown++;
        }

        return builder.Append('\'').ToString();
    }
}
