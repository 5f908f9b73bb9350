using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Sparkify.Warehouse.Cli.Queries;
using Sparkify.Warehouse.Queries;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>
/// Each analyst query as a whole <c>sparkify query NAME</c> process against the same SQL run by
/// <c>psql -X -q -f FILE -o /dev/null</c> (the statement the command sends, its limit and user id written in), on the
/// loaded warehouse: what an analyst waits for at the command line beyond the database's own time. Alternating which
/// goes first from round to round, after one untimed run of each; medians.
/// </summary>
internal static class QueryProcesses
{
    /// <summary>One query's median wall seconds in psql and as a <c>sparkify query</c> process, and the process's CPU.</summary>
    public sealed record Result(string Name, double PsqlSeconds, double SparkifySeconds, double SparkifyCpuSeconds)
    {
        /// <summary>What the command may take: 1.3 times its SQL in psql, or the SQL plus a quarter of a second, whichever is more.</summary>
        public double TargetSeconds => Math.Max(1.3 * PsqlSeconds, PsqlSeconds + 0.25);

        public bool Met => SparkifySeconds <= TargetSeconds;
    }

    public static async Task<List<Result>> RunAsync(string connectionString, int rounds, string workFolder, CancellationToken cancellationToken)
    {
        var psql = FindPsql() ?? throw new InvalidOperationException(
            "psql was not found on PATH or under /usr/lib/postgresql/*/bin; the 'cli' measurement runs each query's SQL in it (Debian: apt-get install postgresql-client).");
        var user = await BusiestUserAsync(connectionString, cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(workFolder);
        var results = new List<Result>();
        foreach (var query in AnalystQueryCatalog.All)
        {
            var arguments = new QueryArguments(null, null, null, SongPlayQueries.DefaultLimit, query.NeedsUserId ? user : null);
            var sqlFile = Path.Combine(workFolder, query.Name + ".sql");
            await File.WriteAllTextAsync(sqlFile, StatementWithLiterals(query, arguments) + ";\n", cancellationToken).ConfigureAwait(false);
            string[] command = ["query", query.Name, "--connection", connectionString, .. query.NeedsUserId ? new[] { "--user-id", user.ToString(CultureInfo.InvariantCulture) } : []];

            Task<ChildProcess.Cost> Psql() => ChildProcess.RunAsync(PsqlStartInfo(psql, connectionString, sqlFile), $"psql of {query.Name}", cancellationToken);
            Task<ChildProcess.Cost> Sparkify() => ChildProcess.RunAsync(ChildProcess.Self(command), $"'sparkify query {query.Name}'", cancellationToken);
            await Psql().ConfigureAwait(false);
            await Sparkify().ConfigureAwait(false);
            var psqlSeconds = new List<double>();
            var sparkify = new List<ChildProcess.Cost>();
            for (var round = 0; round < rounds; round++)
            {
                if (round % 2 == 0)
                {
                    psqlSeconds.Add((await Psql().ConfigureAwait(false)).Seconds);
                    sparkify.Add(await Sparkify().ConfigureAwait(false));
                }
                else
                {
                    sparkify.Add(await Sparkify().ConfigureAwait(false));
                    psqlSeconds.Add((await Psql().ConfigureAwait(false)).Seconds);
                }
            }

            results.Add(new Result(
                query.Name,
                BenchTiming.Median(psqlSeconds),
                BenchTiming.Median([.. sparkify.Select(s => s.Seconds)]),
                BenchTiming.Median([.. sparkify.Select(s => s.CpuSeconds)])));
        }

        return results;
    }

    /// <summary>The statement <c>sparkify query</c> sends for <paramref name="arguments"/>, with its parameters written in as literals for psql.</summary>
    internal static string StatementWithLiterals(AnalystQuery query, QueryArguments arguments)
    {
        var translation = AnalystQueryTranslations.Find(query, arguments);
        var sql = translation.Sql.Replace(AnalystQueryTranslations.LimitMarker, arguments.Limit.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        foreach (var parameter in translation.Parameters)
        {
            var literal = parameter.Argument == QueryArgument.UserId
                ? arguments.UserId!.Value.ToString(CultureInfo.InvariantCulture)
                : throw new InvalidOperationException($"The 'cli' measurement runs the queries unfiltered; {parameter.Name} has no literal here.");
            sql = sql.Replace(parameter.Name, literal, StringComparison.Ordinal);
        }

        return sql;
    }

    private static async Task<int> BusiestUserAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = await BenchTiming.OpenAsync(connectionString, cancellationToken).ConfigureAwait(false);
        return (int)await BenchTiming.ScalarAsync(connection, BenchQueries.BusiestUserSql, cancellationToken).ConfigureAwait(false);
    }

    private static string? FindPsql()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, "psql"))
            .FirstOrDefault(File.Exists);
        if (onPath is not null || !Directory.Exists("/usr/lib/postgresql"))
        {
            return onPath;
        }

        return Directory.GetDirectories("/usr/lib/postgresql")
            .Select(version => Path.Combine(version, "bin", "psql"))
            .Where(File.Exists)
            .OrderByDescending(path => int.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(path))), out var major) ? major : 0)
            .FirstOrDefault();
    }

    /// <summary>psql connected as the Npgsql connection string says, through libpq's environment variables (the password never on a command line).</summary>
    private static ProcessStartInfo PsqlStartInfo(string psql, string connectionString, string sqlFile)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new ProcessStartInfo(psql) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", sqlFile, "-o", "/dev/null" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PGHOST"] = builder.Host;
        start.Environment["PGPORT"] = builder.Port.ToString(CultureInfo.InvariantCulture);
        start.Environment["PGUSER"] = builder.Username;
        start.Environment["PGPASSWORD"] = builder.Password;
        start.Environment["PGDATABASE"] = builder.Database;

        // The same encryption requests as the command's own connection makes, so neither side pays a refused one the other skips.
        start.Environment["PGSSLMODE"] = builder.SslMode == SslMode.Disable ? "disable" : "prefer";
        start.Environment["PGGSSENCMODE"] = builder.GssEncryptionMode == GssEncryptionMode.Disable ? "disable" : "prefer";
        return start;
    }
}
