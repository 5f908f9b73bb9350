using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Sparkify.Warehouse.Loading.Ledger;

/// <summary>
/// Finds the day an event file holds from its path or key, by a pattern such as
/// <c>{yyyy}/{MM}/{yyyy}-{MM}-{dd}-events.json</c>: <c>{yyyy}</c>, <c>{MM}</c> and <c>{dd}</c> are the
/// date's digits (each at least once; repeats must agree), <c>*</c> is any run of characters within one
/// path segment, anything else is literal (letters in any case). The pattern matches the end of the
/// key at a <c>/</c> boundary, and <c>.gz</c> may follow it.
/// </summary>
internal sealed class EventFileDatePattern
{
    /// <summary>The Sparkify layout: <c>log_data/2018/11/2018-11-01-events.json</c>.</summary>
    public const string Default = "{yyyy}/{MM}/{yyyy}-{MM}-{dd}-events.json";

    private static readonly string[] Tokens = ["{yyyy}", "{MM}", "{dd}"];

    private readonly Regex _regex;

    private EventFileDatePattern(Regex regex) => _regex = regex;

    /// <summary>Compiles a pattern.</summary>
    /// <param name="pattern">The pattern text.</param>
    /// <param name="setting">The setting's name, for the message.</param>
    /// <exception cref="WarehouseException">The pattern is invalid; the message says why.</exception>
    public static EventFileDatePattern Parse(string pattern, string setting)
        => Problem(pattern) is { } problem
            ? throw new WarehouseException($"{setting} is {InputDisplay.Quote(pattern)}; {problem}")
            : new EventFileDatePattern(new Regex(ToRegex(pattern), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));

    /// <summary>Why <paramref name="pattern"/> is not a valid pattern, or null when it is.</summary>
    public static string? Problem(string? pattern)
    {
        if (string.IsNullOrWhiteSpace(pattern))
        {
            return "it must not be empty (default " + Default + ").";
        }

        if (pattern.Length > 256)
        {
            return "it must be at most 256 characters.";
        }

        if (Tokens.FirstOrDefault(token => !pattern.Contains(token, StringComparison.Ordinal)) is { } missing)
        {
            return $"it must contain {string.Join(", ", Tokens)} (missing {missing}), e.g. {Default}.";
        }

        var rest = Tokens.Aggregate(pattern, (text, token) => text.Replace(token, "", StringComparison.Ordinal));
        if (rest.IndexOfAny(['{', '}']) >= 0)
        {
            return "the only placeholders are {yyyy}, {MM} and {dd}.";
        }

        if (rest.Contains("**", StringComparison.Ordinal) || rest.Contains('\\', StringComparison.Ordinal))
        {
            return "'*' stands for any characters within one path segment; '**' and '\\' are not allowed.";
        }

        return null;
    }

    /// <summary>The day in <paramref name="pathOrKey"/>, or null when the pattern does not match it or names no real date.</summary>
    public DateOnly? DateOf(string pathOrKey)
    {
        ArgumentNullException.ThrowIfNull(pathOrKey);
        var normalized = Path.DirectorySeparatorChar == '\\' ? pathOrKey.Replace('\\', '/') : pathOrKey;
        var match = _regex.Match(normalized);
        if (!match.Success)
        {
            return null;
        }

        var year = int.Parse(match.Groups["y"].ValueSpan, CultureInfo.InvariantCulture);
        var month = int.Parse(match.Groups["m"].ValueSpan, CultureInfo.InvariantCulture);
        var day = int.Parse(match.Groups["d"].ValueSpan, CultureInfo.InvariantCulture);
        return year >= 1 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month)
            ? new DateOnly(year, month, day)
            : null;
    }

    private static string ToRegex(string pattern)
    {
        var regex = new StringBuilder("(?:^|/)");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < pattern.Length;)
        {
            if (Tokens.FirstOrDefault(token => pattern.AsSpan(i).StartsWith(token, StringComparison.Ordinal)) is { } token)
            {
                var (group, digits) = token switch
                {
                    "{yyyy}" => ("y", 4),
                    "{MM}" => ("m", 2),
                    _ => ("d", 2),
                };
                regex.Append(seen.Add(group) ? $"(?<{group}>[0-9]{{{digits}}})" : $"\\k<{group}>");
                i += token.Length;
            }
            else
            {
                regex.Append(pattern[i] == '*' ? "[^/]*" : Regex.Escape(pattern[i].ToString()));
                i++;
            }
        }

        return regex.Append(@"(?:\.gz)?$").ToString();
    }
}
