using System.Text.RegularExpressions;

namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>
/// Checks SQL with a real parser, sqlfluff, in the target's dialect (<c>redshift</c> by default,
/// <c>postgres</c>): for Redshift the closest to "Redshift accepts this" that a machine without a
/// cluster gets. It checks grammar only, not that tables, columns or S3 objects exist. A missing
/// sqlfluff fails the test, never skips it.
/// </summary>
internal static partial class Sqlfluff
{
    /// <summary>sqlfluff's name for Amazon Redshift's dialect.</summary>
    public const string Redshift = "redshift";

    /// <summary>sqlfluff's name for PostgreSQL's dialect.</summary>
    public const string Postgres = "postgres";

    private static readonly Lazy<string> Executable = new(() => ExternalTool.Find(
        "sqlfluff",
        Path.Combine(TestEnvironment.RepositoryRoot, ".tools", "python", "bin", "sqlfluff"),
        Path.Combine(TestEnvironment.RepositoryRoot, ".tools", "bin", "sqlfluff")));

    /// <summary>Parses <paramref name="sql"/> (one or more statements separated by semicolons) in sqlfluff's <paramref name="dialect"/>.</summary>
    public static async Task<SqlfluffResult> ParseAsync(string sql, string dialect = Redshift)
    {
        var directory = Directory.CreateTempSubdirectory("sparkify-sqlfluff-");
        try
        {
            var file = Path.Combine(directory.FullName, "statement.sql");
            await File.WriteAllTextAsync(file, sql);

            // sqlfluff skips a file over 20,000 bytes unless told otherwise, and a skipped file "parses".
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, ".sqlfluff"), "[sqlfluff]\nlarge_file_skip_byte_limit = 0\n");

            // Run inside the temporary folder so no .sqlfluff configuration of the checkout applies.
            var result = await ProcessRunner.RunAsync(Executable.Value, ["parse", "--dialect", dialect, file], directory.FullName, timeout: TimeSpan.FromMinutes(2));
            var output = result.Out + result.Error;
            return new SqlfluffResult(result.ExitCode, output, StatementPattern().Count(output));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Fails unless <paramref name="sql"/> parses completely (exit code 0, no unparsable segment) and,
    /// when <paramref name="statements"/> is given, into exactly that many statements.
    /// </summary>
    public static async Task AssertParsesAsync(string sql, int? statements = null, string dialect = Redshift)
    {
        var result = await ParseAsync(sql, dialect);
        Assert.True(result.Success, $"sqlfluff ({dialect}) rejected the SQL (exit code {result.ExitCode}):\n{result.Problems}\n--- SQL ---\n{sql}");
        if (statements is { } expected)
        {
            Assert.True(result.StatementCount == expected, $"sqlfluff found {result.StatementCount} statements, expected {expected}:\n{sql}");
        }
    }

    // Top-level statements sit at exactly four spaces of indentation under "file:".
    [GeneratedRegex(@"^\[L:\s*\d+, P:\s*\d+\]\s+\|    statement:\s*$", RegexOptions.Multiline)]
    private static partial Regex StatementPattern();
}

/// <summary>The outcome of <see cref="Sqlfluff.ParseAsync"/>.</summary>
internal sealed record SqlfluffResult(int ExitCode, string Output, int StatementCount)
{
    /// <summary>Parsed: exit code 0 and no unparsable segment anywhere in the tree.</summary>
    public bool Success => ExitCode == 0 && !Output.Contains("unparsable", StringComparison.OrdinalIgnoreCase);

    /// <summary>The unparsable segments and sqlfluff's violation report, or the whole output if there is none.</summary>
    public string Problems
    {
        get
        {
            var lines = Output.Split('\n');
            var unparsable = lines.Where(l => l.Contains("unparsable", StringComparison.OrdinalIgnoreCase)).Take(10);
            var report = lines.SkipWhile(l => !l.Contains("parsing violations", StringComparison.Ordinal));
            var problems = string.Join('\n', unparsable.Concat(report));
            return problems.Length > 0 ? problems : Output;
        }
    }
}
