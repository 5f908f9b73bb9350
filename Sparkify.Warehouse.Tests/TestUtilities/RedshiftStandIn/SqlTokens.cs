using System.Text;

namespace Sparkify.Warehouse.Tests.TestUtilities.RedshiftStandIn;

internal enum SqlTokenKind
{
    Word,
    QuotedIdentifier,
    String,
    Number,
    Parameter,
    Symbol,
    Space,
}

/// <summary>A piece of SQL text: what it is, and its exact text (quotes included).</summary>
internal sealed record SqlToken(SqlTokenKind Kind, string Text)
{
    public bool IsWord(string word) => Kind == SqlTokenKind.Word && Text.Equals(word, StringComparison.OrdinalIgnoreCase);

    public bool IsSymbol(string symbol) => Kind == SqlTokenKind.Symbol && Text == symbol;

    /// <summary>The value of a string literal or the name of an identifier, without quotes.</summary>
    public string Value => Kind switch
    {
        SqlTokenKind.String => Text[(Text.IndexOf('\'') + 1)..^1].Replace("''", "'", StringComparison.Ordinal),
        SqlTokenKind.QuotedIdentifier => Text[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal),
        SqlTokenKind.Word => Text.ToLowerInvariant(),
        _ => Text,
    };
}

/// <summary>
/// Splits SQL into tokens and statements, enough to find keywords outside literals and comments:
/// strings (also <c>E'…'</c> and dollar-quoted), quoted identifiers, comments, <c>$n</c> parameters.
/// </summary>
internal static class SqlTokens
{
    public static List<SqlToken> Tokenize(string sql)
    {
        var tokens = new List<SqlToken>();
        var i = 0;
        while (i < sql.Length)
        {
            var start = i;
            var c = sql[i];
            SqlTokenKind kind;
            if (char.IsWhiteSpace(c))
            {
                while (i < sql.Length && char.IsWhiteSpace(sql[i]))
                {
                    i++;
                }

                kind = SqlTokenKind.Space;
            }
            else if (c == '-' && At(sql, i + 1) == '-')
            {
                i = IndexOrEnd(sql, "\n", i);
                kind = SqlTokenKind.Space;
            }
            else if (c == '/' && At(sql, i + 1) == '*')
            {
                i = IndexOrEnd(sql, "*/", i + 2) + 2;
                kind = SqlTokenKind.Space;
            }
            else if (c == '\'' || ((c is 'E' or 'e') && At(sql, i + 1) == '\''))
            {
                i = EndOfQuoted(sql, sql.IndexOf('\'', i), '\'', backslashEscapes: c != '\'');
                kind = SqlTokenKind.String;
            }
            else if (c == '"')
            {
                i = EndOfQuoted(sql, i, '"', backslashEscapes: false);
                kind = SqlTokenKind.QuotedIdentifier;
            }
            else if (c == '$' && char.IsAsciiDigit(At(sql, i + 1)))
            {
                i++;
                while (i < sql.Length && char.IsAsciiDigit(sql[i]))
                {
                    i++;
                }

                kind = SqlTokenKind.Parameter;
            }
            else if (c == '$' && DollarTag(sql, i) is { } tag)
            {
                i = IndexOrEnd(sql, tag, i + tag.Length) + tag.Length;
                kind = SqlTokenKind.String;
            }
            else if (char.IsLetter(c) || c == '_')
            {
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] is '_' or '$'))
                {
                    i++;
                }

                kind = SqlTokenKind.Word;
            }
            else if (char.IsAsciiDigit(c) || (c == '.' && char.IsAsciiDigit(At(sql, i + 1))))
            {
                while (i < sql.Length && (char.IsAsciiDigit(sql[i]) || sql[i] == '.' || ((sql[i] is 'e' or 'E') && char.IsAsciiDigit(At(sql, i + 1)))))
                {
                    i++;
                }

                kind = SqlTokenKind.Number;
            }
            else
            {
                i += c == ':' && At(sql, i + 1) == ':' ? 2 : 1;
                kind = SqlTokenKind.Symbol;
            }

            tokens.Add(new SqlToken(kind, sql[start..Math.Min(i, sql.Length)]));
        }

        return tokens;
    }

    /// <summary>The statements of a script, split at top-level semicolons (which are dropped); blank ones are skipped.</summary>
    public static List<List<SqlToken>> Statements(string sql)
    {
        var statements = new List<List<SqlToken>>();
        var current = new List<SqlToken>();
        foreach (var token in Tokenize(sql))
        {
            if (token.IsSymbol(";"))
            {
                statements.Add(current);
                current = [];
            }
            else
            {
                current.Add(token);
            }
        }

        statements.Add(current);
        return statements.Where(s => s.Any(t => t.Kind != SqlTokenKind.Space)).ToList();
    }

    public static string Join(IEnumerable<SqlToken> tokens)
    {
        var text = new StringBuilder();
        foreach (var token in tokens)
        {
            text.Append(token.Text);
        }

        return text.ToString();
    }

    /// <summary>The tokens without whitespace and comments, for matching keyword sequences.</summary>
    public static List<SqlToken> Significant(IEnumerable<SqlToken> tokens) => tokens.Where(t => t.Kind != SqlTokenKind.Space).ToList();

    private static char At(string sql, int index) => index < sql.Length ? sql[index] : '\0';

    private static int IndexOrEnd(string sql, string value, int from)
    {
        var index = sql.IndexOf(value, from, StringComparison.Ordinal);
        return index < 0 ? sql.Length : index;
    }

    private static int EndOfQuoted(string sql, int open, char quote, bool backslashEscapes)
    {
        var i = open + 1;
        while (i < sql.Length)
        {
            if (backslashEscapes && sql[i] == '\\')
            {
                i += 2;
            }
            else if (sql[i] == quote && At(sql, i + 1) == quote)
            {
                i += 2;
            }
            else if (sql[i] == quote)
            {
                return i + 1;
            }
            else
            {
                i++;
            }
        }

        return sql.Length;
    }

    private static string? DollarTag(string sql, int start)
    {
        var end = start + 1;
        while (end < sql.Length && (char.IsLetterOrDigit(sql[end]) || sql[end] == '_'))
        {
            end++;
        }

        return end < sql.Length && sql[end] == '$' ? sql[start..(end + 1)] : null;
    }
}
