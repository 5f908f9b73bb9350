using System.Globalization;

namespace Sparkify.Warehouse.Tests.TestUtilities.RedshiftStandIn;

/// <summary>
/// The parts of <c>COPY table [(cols)] FROM 's3://…' …</c> the stand-in acts on. Options that only
/// tune a real cluster (REGION, COMPUPDATE, STATUPDATE, TIMEFORMAT, the IAM role itself) are accepted
/// and ignored: the stand-in reads the one s3rver it was given.
/// </summary>
internal sealed record S3CopyCommand
{
    public required string Table { get; init; }

    /// <summary>The column list, or null for every column of the table in order.</summary>
    public IReadOnlyList<string>? Columns { get; init; }

    public required string From { get; init; }

    /// <summary>The JSONPaths file's URI, or null for <c>'auto'</c>.</summary>
    public string? JsonPaths { get; init; }

    public bool IgnoreCase { get; init; }

    public bool Gzip { get; init; }

    public bool Manifest { get; init; }

    public int MaxErrors { get; init; }

    public bool EmptyAsNull { get; init; }

    public bool BlanksAsNull { get; init; }

    public bool TruncateColumns { get; init; }

    /// <summary>TRIMBLANKS: the trailing blanks of VARCHAR values are removed (CHAR values keep theirs).</summary>
    public bool TrimBlanks { get; init; }

    private static readonly HashSet<string> IgnoredWithValue = new(StringComparer.OrdinalIgnoreCase) { "REGION", "TIMEFORMAT", "DATEFORMAT", "COMPUPDATE", "STATUPDATE", "ACCEPTINVCHARS" };

    /// <summary>The command, or null when this is not a COPY from S3 (COPY FROM STDIN, TO STDOUT …), which Redshift refuses.</summary>
    /// <exception cref="FormatException">An option the stand-in does not know, or one without its value.</exception>
    public static S3CopyCommand? Parse(List<SqlToken> words)
    {
        var i = 1;
        var table = words[i++].Value;
        if (i < words.Count && words[i].IsSymbol("."))
        {
            table = words[i + 1].Value;
            i += 2;
        }

        List<string>? columns = null;
        if (i < words.Count && words[i].IsSymbol("("))
        {
            columns = [];
            for (i++; i < words.Count && !words[i].IsSymbol(")"); i++)
            {
                if (!words[i].IsSymbol(","))
                {
                    columns.Add(words[i].Value);
                }
            }

            i++;
        }

        if (!(i + 1 < words.Count && words[i].IsWord("FROM") && words[i + 1].Kind == SqlTokenKind.String && words[i + 1].Value.StartsWith("s3://", StringComparison.Ordinal)))
        {
            return null;
        }

        var command = new S3CopyCommand { Table = table, Columns = columns, From = words[i + 1].Value };
        var authorized = false;
        for (i += 2; i < words.Count; i++)
        {
            var option = words[i].Text.ToUpperInvariant();
            string NextValue()
            {
                i++;
                if (i < words.Count && words[i].IsWord("AS"))
                {
                    i++;
                }

                return i < words.Count ? words[i].Value : throw new FormatException($"COPY option {option} has no value.");
            }

            switch (option)
            {
                case "IAM_ROLE" or "CREDENTIALS" or "ACCESS_KEY_ID" or "SECRET_ACCESS_KEY" or "SESSION_TOKEN":
                    NextValue();
                    authorized = true;
                    break;
                case "FORMAT":
                    if (At(words, i + 1, "AS"))
                    {
                        i++;
                    }

                    break;
                case "JSON":
                    var format = NextValue();
                    command = format.ToLowerInvariant() switch
                    {
                        "auto" => command,
                        "auto ignorecase" => command with { IgnoreCase = true },
                        _ when format.StartsWith("s3://", StringComparison.Ordinal) => command with { JsonPaths = format },
                        _ => throw new FormatException($"JSON format '{format}' is not supported by the stand-in."),
                    };
                    break;
                case "GZIP":
                    command = command with { Gzip = true };
                    break;
                case "MANIFEST":
                    command = command with { Manifest = true };
                    break;
                case "MAXERROR":
                    command = command with { MaxErrors = int.Parse(NextValue(), CultureInfo.InvariantCulture) };
                    break;
                case "EMPTYASNULL":
                    command = command with { EmptyAsNull = true };
                    break;
                case "BLANKSASNULL":
                    command = command with { BlanksAsNull = true };
                    break;
                case "TRUNCATECOLUMNS":
                    command = command with { TruncateColumns = true };
                    break;
                case "TRIMBLANKS":
                    command = command with { TrimBlanks = true };
                    break;
                case var _ when IgnoredWithValue.Contains(option):
                    NextValue();
                    break;
                default:
                    throw new FormatException($"syntax error at or near \"{words[i].Text}\"");
            }
        }

        return authorized ? command : throw new FormatException("Must specify authorization (IAM_ROLE or CREDENTIALS) for COPY from S3.");
    }

    private static bool At(List<SqlToken> words, int index, string word) => index < words.Count && words[index].IsWord(word);
}
