using System.Globalization;

namespace Sparkify.Warehouse.Tests.TestUtilities.RedshiftStandIn;

/// <summary>What the stand-in does with one statement.</summary>
internal abstract record StatementPlan;

/// <summary>Run <paramref name="Sql"/> on the backend; <paramref name="CommitsTransaction"/> for Redshift's TRUNCATE.</summary>
internal sealed record PassStatement(string Sql, bool CommitsTransaction = false) : StatementPlan;

/// <summary>Fail the statement with Redshift's error.</summary>
internal sealed record RefuseStatement(string Message, string SqlState, string? Detail = null) : StatementPlan
{
    public static RefuseStatement SyntaxError(SqlToken near) => new($"syntax error at or near \"{near.Text}\"", "42601");
}

/// <summary>Emulate <c>COPY … FROM 's3://…'</c>.</summary>
internal sealed record S3CopyStatement(S3CopyCommand Command) : StatementPlan;

/// <summary>
/// Turns a statement a client sends to "Redshift" into what the PostgreSQL behind the stand-in runs:
/// Redshift-only DDL is translated, what Redshift refuses is refused with Redshift's message,
/// session functions (<c>pg_last_copy_id()</c>, <c>version()</c>) are answered, and quoted
/// identifiers are folded to lowercase as Redshift folds them.
/// </summary>
internal static class RedshiftSqlRewriter
{
    /// <summary>What <c>version()</c> returns on a Redshift cluster (the shape Npgsql looks for).</summary>
    public const string Version = "PostgreSQL 8.0.2 on i686-pc-linux-gnu, compiled by GCC gcc (GCC) 3.4.2 20041017 (Red Hat 3.4.2-6.fc3), Redshift 1.0.77467";

    public static StatementPlan Plan(IReadOnlyList<SqlToken> tokens, RedshiftStandInSession session)
    {
        var words = SqlTokens.Significant(tokens);
        if (words.Count == 0)
        {
            return new PassStatement("");
        }

        if (Refusal(words, session.StandIn.Serverless) is { } refused)
        {
            return refused;
        }

        if (words[0].IsWord("COPY"))
        {
            try
            {
                return S3CopyCommand.Parse(words) is { } copy ? new S3CopyStatement(copy) : RefuseStatement.SyntaxError(words.FirstOrDefault(w => w.IsWord("STDIN") || w.IsWord("STDOUT")) ?? words[0]);
            }
            catch (FormatException e)
            {
                return new RefuseStatement(e.Message, "42601");
            }
        }

        if (words[0].IsWord("ALTER") && At(words, 1, "TABLE") && words.Count > 4 && words[3].IsWord("ALTER")
            && (words[4].IsWord("DISTSTYLE") || words[4].IsWord("DISTKEY") || words[4].IsWord("SORTKEY") || words[4].IsWord("COMPOUND") || words[4].IsWord("INTERLEAVED") || words[4].IsWord("ENCODE")))
        {
            return new PassStatement(LayoutCheck(words));
        }

        var rewritten = new List<SqlToken>(tokens.Count);
        var creatingTable = words[0].IsWord("CREATE") && words.Skip(1).Take(3).Any(w => w.IsWord("TABLE"));
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (creatingTable && RedshiftTableClause(tokens, i) is { } clause)
            {
                if (clause.Replacement is null)
                {
                    return RefuseStatement.SyntaxError(tokens[clause.End]);
                }

                rewritten.Add(new SqlToken(SqlTokenKind.Space, clause.Replacement));
                i = clause.End;
                continue;
            }

            rewritten.Add(token.Kind switch
            {
                SqlTokenKind.QuotedIdentifier => token with { Text = token.Text.ToLowerInvariant() },
                SqlTokenKind.Word when IsCall(tokens, i, "version") => Replace(tokens, ref i, new SqlToken(SqlTokenKind.String, "'" + Version + "'")),
                SqlTokenKind.Word when IsCall(tokens, i, "pg_last_copy_id") => Replace(tokens, ref i, Number(session.LastCopyId, "integer")),
                SqlTokenKind.Word when IsCall(tokens, i, "pg_last_copy_count") => Replace(tokens, ref i, Number(session.LastCopyCount, "bigint")),
                _ => token,
            });
        }

        return new PassStatement(SqlTokens.Join(rewritten), CommitsTransaction: words[0].IsWord("TRUNCATE"));
    }

    /// <summary>A statement that raises <paramref name="refusal"/> on the backend, keeping the <c>$n</c> parameters it was parsed with.</summary>
    public static string RaiseSql(RefuseStatement refusal, int parameterCount)
    {
        var call = $"SELECT redshift_standin_raise({Literal(refusal.Message)}, {Literal(refusal.SqlState)}, {Literal(refusal.Detail ?? "")})";
        return parameterCount == 0 ? call : call + " FROM (SELECT " + string.Join(", ", Enumerable.Range(1, parameterCount).Select(n => "$" + n)) + ") AS parameters";
    }

    public static int ParameterCount(IEnumerable<SqlToken> tokens)
        => tokens.Where(t => t.Kind == SqlTokenKind.Parameter).Select(t => int.Parse(t.Text[1..], CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();

    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static RefuseStatement? Refusal(List<SqlToken> words, bool serverless)
    {
        var first = words[0];
        if (first.IsWord("DO") || first.IsWord("SAVEPOINT") || first.IsWord("RELEASE"))
        {
            return RefuseStatement.SyntaxError(first);
        }

        if (first.IsWord("ROLLBACK") && At(words, 1, "TO"))
        {
            return RefuseStatement.SyntaxError(words[1]);
        }

        if (first.IsWord("CREATE") && words.Skip(1).Take(2).FirstOrDefault(w => w.IsWord("INDEX") || w.IsWord("SEQUENCE")) is { } what)
        {
            return RefuseStatement.SyntaxError(what);
        }

        if (first.IsWord("LOCK") && words.FirstOrDefault(w => w.IsWord("IN")) is { } modeClause)
        {
            return RefuseStatement.SyntaxError(modeClause);
        }

        if (first.IsWord("ALTER") && At(words, 1, "TABLE") && AlterColumnAction(words) is { } action && !action.IsWord("TYPE") && !action.IsWord("ENCODE"))
        {
            // Redshift's ALTER COLUMN changes a VARCHAR's length or an encoding only: no SET/DROP NOT NULL, no defaults.
            return RefuseStatement.SyntaxError(action);
        }

        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            if (word.IsWord("DISTINCT") && At(words, i + 1, "ON"))
            {
                return new RefuseStatement("SELECT DISTINCT ON is not supported", "0A000");
            }

            if ((word.IsWord("DISTINCT") && i > 0 && (words[i - 1].IsWord("IS") || (words[i - 1].IsWord("NOT") && At(words, i - 2, "IS"))))
                || (word.IsWord("ON") && At(words, i + 1, "CONFLICT"))
                || word.IsWord("RETURNING")
                || (word.IsWord("GENERATED") && At(words, i + 1, "ALWAYS")))
            {
                return RefuseStatement.SyntaxError(word.IsWord("GENERATED") ? words[i + 1] : word);
            }

            if (word.IsWord("COLLATE") && !(At(words, i + 1, "CASE_SENSITIVE") || At(words, i + 1, "CASE_INSENSITIVE")))
            {
                return RefuseStatement.SyntaxError(i + 1 < words.Count ? words[i + 1] : word);
            }

            if (word.IsWord("generate_series") && At(words, i + 1, "("))
            {
                return new RefuseStatement("Specified types or functions (one per INFO message) not supported on Redshift tables.", "0A000");
            }

            if (serverless && word.Kind is SqlTokenKind.Word or SqlTokenKind.QuotedIdentifier && word.Value.StartsWith("stl_", StringComparison.Ordinal))
            {
                return new RefuseStatement($"relation \"{word.Value}\" does not exist", "42P01");
            }
        }

        return null;
    }

    /// <summary>
    /// <c>ALTER TABLE t ALTER DISTKEY c</c> and the like change only the physical layout, which the
    /// stand-in does not have; it still checks, as Redshift does, that the table and columns exist.
    /// </summary>
    private static string LayoutCheck(List<SqlToken> words)
    {
        var table = words[2].Text.ToLowerInvariant();
        var columns = new List<string>();
        for (var i = 4; i < words.Count; i++)
        {
            var named = words[i].Kind is SqlTokenKind.Word or SqlTokenKind.QuotedIdentifier;
            var afterKey = words[i - 1].IsWord("DISTKEY") || words[i - 1].IsSymbol("(") || words[i - 1].IsSymbol(",");
            if (named && afterKey && !words[i].IsWord("AUTO") && !words[i].IsWord("NONE"))
            {
                columns.Add(words[i].Text.ToLowerInvariant());
            }
        }

        return $"SELECT {(columns.Count == 0 ? "NULL" : string.Join(", ", columns))} FROM {table} WHERE false";
    }

    /// <summary>The word after <c>ALTER TABLE t ALTER [COLUMN] c</c>, if the statement has that form.</summary>
    private static SqlToken? AlterColumnAction(List<SqlToken> words)
    {
        string[] layout = ["DISTKEY", "DISTSTYLE", "SORTKEY", "COMPOUND", "INTERLEAVED", "ENCODE"];
        if (!At(words, 3, "ALTER") || words.Count < 6 || layout.Any(words[4].IsWord))
        {
            return null;
        }

        var action = words[4].IsWord("COLUMN") ? 6 : 5;
        return action < words.Count ? words[action] : null;
    }

    private sealed record Clause(int End, string? Replacement);

    /// <summary>
    /// A Redshift-only clause of CREATE TABLE starting at token <paramref name="i"/>: the index of its
    /// last token and its PostgreSQL replacement, or a null replacement for a form Redshift refuses.
    /// </summary>
    private static Clause? RedshiftTableClause(IReadOnlyList<SqlToken> tokens, int i)
    {
        var token = tokens[i];
        if (token.Kind != SqlTokenKind.Word)
        {
            return null;
        }

        if (token.IsWord("IDENTITY") && SeedAndStep(tokens, i) is { } identity)
        {
            return identity;
        }

        if (token.IsWord("GENERATED") && NextWords(tokens, i, 4) is [var by, var @default, var @as, var identityWord] && by.Token.IsWord("BY") && @default.Token.IsWord("DEFAULT") && @as.Token.IsWord("AS") && identityWord.Token.IsWord("IDENTITY"))
        {
            // Redshift's GENERATED BY DEFAULT AS IDENTITY needs (seed, step); Npgsql's bare form is refused.
            return SeedAndStep(tokens, identityWord.Index) ?? new Clause(Next(tokens, identityWord.Index), null);
        }

        if ((token.IsWord("BACKUP") || token.IsWord("DISTSTYLE") || token.IsWord("ENCODE")) && Next(tokens, i) < tokens.Count)
        {
            return new Clause(Next(tokens, i), "");
        }

        if (token.IsWord("COLLATE") && Next(tokens, i) < tokens.Count)
        {
            return new Clause(Next(tokens, i), "");
        }

        if (token.IsWord("COMPOUND") || token.IsWord("INTERLEAVED"))
        {
            return KeyClause(tokens, Next(tokens, i));
        }

        return token.IsWord("DISTKEY") || token.IsWord("SORTKEY") ? KeyClause(tokens, i) : null;
    }

    private static Clause KeyClause(IReadOnlyList<SqlToken> tokens, int keyword)
    {
        var next = Next(tokens, keyword);
        if (next < tokens.Count && tokens[next].IsWord("AUTO"))
        {
            return new Clause(next, "");
        }

        if (next >= tokens.Count || !tokens[next].IsSymbol("("))
        {
            // Column-level DISTKEY/SORTKEY: the keyword alone.
            return new Clause(keyword, "");
        }

        var close = next;
        while (close < tokens.Count && !tokens[close].IsSymbol(")"))
        {
            close++;
        }

        return new Clause(close, "");
    }

    private static Clause? SeedAndStep(IReadOnlyList<SqlToken> tokens, int identity)
    {
        if (NextWords(tokens, identity, 5) is [var open, var seed, var comma, var step, var close]
            && open.Token.IsSymbol("(") && seed.Token.Kind == SqlTokenKind.Number && comma.Token.IsSymbol(",") && step.Token.Kind == SqlTokenKind.Number && close.Token.IsSymbol(")"))
        {
            return new Clause(close.Index, $"GENERATED BY DEFAULT AS IDENTITY (START WITH {seed.Token.Text} INCREMENT BY {step.Token.Text})");
        }

        return null;
    }

    private static List<(SqlToken Token, int Index)> NextWords(IReadOnlyList<SqlToken> tokens, int from, int count)
    {
        var found = new List<(SqlToken, int)>();
        for (var i = Next(tokens, from); i < tokens.Count && found.Count < count; i = Next(tokens, i))
        {
            found.Add((tokens[i], i));
        }

        return found;
    }

    private static int Next(IReadOnlyList<SqlToken> tokens, int i)
    {
        i++;
        while (i < tokens.Count && tokens[i].Kind == SqlTokenKind.Space)
        {
            i++;
        }

        return i;
    }

    private static bool At(List<SqlToken> words, int index, string word)
        => index >= 0 && index < words.Count && (word.Length == 1 && !char.IsLetter(word[0]) ? words[index].IsSymbol(word) : words[index].IsWord(word));

    private static bool IsCall(IReadOnlyList<SqlToken> tokens, int i, string function)
        => tokens[i].IsWord(function) && (i == 0 || !tokens[i - 1].IsSymbol(".")) && NextWords(tokens, i, 2) is [var open, var close] && open.Token.IsSymbol("(") && close.Token.IsSymbol(")");

    /// <summary>Replaces the call <c>f()</c> whose name is token <paramref name="i"/> with <paramref name="value"/>, moving past its parentheses.</summary>
    private static SqlToken Replace(IReadOnlyList<SqlToken> tokens, ref int i, SqlToken value)
    {
        i = NextWords(tokens, i, 2)[1].Index;
        return value;
    }

    /// <summary>A literal of Redshift's return type: PG_LAST_COPY_ID is an integer, PG_LAST_COPY_COUNT a bigint.</summary>
    private static SqlToken Number(long value, string type) => new(SqlTokenKind.Number, $"CAST({value.ToString(CultureInfo.InvariantCulture)} AS {type})");
}
