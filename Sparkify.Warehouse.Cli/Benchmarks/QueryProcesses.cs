using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Sparkify.Warehouse.Checks;
using Sparkify.Warehouse.Cli.Queries;
using Sparkify.Warehouse.Queries;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>
/// Each analyst query as a whole <c>sparkify query NAME</c> process, and <c>sparkify check</c>, against the same SQL
/// run by <c>psql -X -q -f FILE -o /dev/null</c> (the statements the command sends, a query's limit and user id written
/// in), on the loaded warehouse: what an analyst waits for at the command line beyond the database's own time.
/// Alternating which goes first from round to round, after one untimed run of each; medians.
/// </summary>
internal static class QueryProcesses
{
    /// <summary>One command's median wall seconds in psql and as a <c>sparkify</c> process, the process's CPU, and what it may take.</summary>
    public sealed record Result(string Name, double PsqlSeconds, double SparkifySeconds, double SparkifyCpuSeconds, double TargetSeconds)
    {
        public bool Met => SparkifySeconds <= TargetSeconds;
    }

    /// <summary>What <c>sparkify query</c> may take: 1.3 times its SQL in psql, or the SQL plus a quarter of a second, whichever is more.</summary>
    internal static double QueryTarget(double psqlSeconds) => Math.Max(1.3 * psqlSeconds, psqlSeconds + 0.25);

    /// <summary>What <c>sparkify check</c> may take: 1.5 times its statements in psql.</summary>
    internal static double CheckTarget(double psqlSeconds) => 1.5 * psqlSeconds;

    public static async Task<List<Result>> RunAsync(string connectionString, int rounds, string workFolder, CancellationToken cancellationToken)
    {
        var psql = Psql.Require();
        var user = await BusiestUserAsync(connectionString, cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(workFolder);
        var results = new List<Result>();
        foreach (var query in AnalystQueryCatalog.All)
        {
            var arguments = new QueryArguments(null, null, null, SongPlayQueries.DefaultLimit, query.NeedsUserId ? user : null);
            var sqlFile = Path.Combine(workFolder, query.Name + ".sql");
            await File.WriteAllTextAsync(sqlFile, StatementWithLiterals(query, arguments) + ";\n", cancellationToken).ConfigureAwait(false);
            string[] command = ["query", query.Name, .. query.NeedsUserId ? new[] { "--user-id", user.ToString(CultureInfo.InvariantCulture) } : []];
            results.Add(await MeasureAsync(query.Name, psql, connectionString, sqlFile, command, rounds, QueryTarget, cancellationToken).ConfigureAwait(false));
        }

        return results;
    }

    /// <summary><c>sparkify check</c> against the statements <see cref="WarehouseChecks"/> sends, in order, run by psql as one file.</summary>
    public static async Task<Result> RunCheckAsync(string connectionString, int rounds, string workFolder, CancellationToken cancellationToken)
    {
        var psql = Psql.Require();
        Directory.CreateDirectory(workFolder);
        var sqlFile = Path.Combine(workFolder, "check.sql");
        var statements = await CheckStatementsAsync(connectionString, cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(sqlFile, string.Concat(statements.Select(s => s + ";\n")), cancellationToken).ConfigureAwait(false);
        return await MeasureAsync("check", psql, connectionString, sqlFile, ["check"], rounds, CheckTarget, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The statements <see cref="WarehouseChecks.RunAsync"/> sends, in order, as Npgsql's tracing reports them for the
    /// checks' own connection: the checks write their SQL inside the library and send no parameters, so the text is the
    /// whole statement.
    /// </summary>
    internal static async Task<List<string>> CheckStatementsAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var context = WarehouseConnections.CreateContext(connectionString, WarehouseProvider.Postgres);
        await context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var backend = ((NpgsqlConnection)context.Database.GetDbConnection()).ProcessID;
        var statements = new List<string>();
        using (var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                // Tracing is process-wide; only this connection's statements are the checks'.
                if (activity.GetTagItem("db.npgsql.connection_id") is int id && id == backend && activity.GetTagItem("db.query.text") is string sql)
                {
                    lock (statements)
                    {
                        statements.Add(sql);
                    }
                }
            },
        })
        {
            ActivitySource.AddActivityListener(listener);
            await WarehouseChecks.RunAsync(context, cancellationToken).ConfigureAwait(false);
        }

        lock (statements)
        {
            return statements.Count > 0
                ? [.. statements]
                : throw new InvalidOperationException("Npgsql reported no statement of the checks; the 'cli' measurement cannot hand them to psql.");
        }
    }

    /// <summary>The command as a <c>sparkify</c> process against <paramref name="sqlFile"/> in psql, after one untimed run of each, alternating.</summary>
    private static async Task<Result> MeasureAsync(
        string name, string psql, string connectionString, string sqlFile, string[] command, int rounds, Func<double, double> target, CancellationToken cancellationToken)
    {
        Task<ChildProcess.Cost> InPsql() => ChildProcess.RunAsync(Psql.StartInfo(psql, connectionString, sqlFile), $"psql of {name}", cancellationToken);
        var shown = command[0] == name ? name : $"{command[0]} {name}";
        Task<ChildProcess.Cost> AsSparkify() => ChildProcess.RunAsync(ChildProcess.Self(command, connectionString), $"'sparkify {shown}'", cancellationToken);
        await InPsql().ConfigureAwait(false);
        await AsSparkify().ConfigureAwait(false);
        var psqlSeconds = new List<double>();
        var sparkify = new List<ChildProcess.Cost>();
        for (var round = 0; round < rounds; round++)
        {
            if (round % 2 == 0)
            {
                psqlSeconds.Add((await InPsql().ConfigureAwait(false)).Seconds);
                sparkify.Add(await AsSparkify().ConfigureAwait(false));
            }
            else
            {
                sparkify.Add(await AsSparkify().ConfigureAwait(false));
                psqlSeconds.Add((await InPsql().ConfigureAwait(false)).Seconds);
            }
        }

        var psqlMedian = BenchTiming.Median(psqlSeconds);
        return new Result(
            name,
            psqlMedian,
            BenchTiming.Median([.. sparkify.Select(s => s.Seconds)]),
            BenchTiming.Median([.. sparkify.Select(s => s.CpuSeconds)]),
            target(psqlMedian));
    }

    /// <summary>The statement <c>sparkify query</c> sends for <paramref name="arguments"/>, with its parameters written in as literals for psql.</summary>
    internal static string StatementWithLiterals(AnalystQuery query, QueryArguments arguments)
    {
        var translation = AnalystQueryTranslations.Find(query, arguments);
        var sql = translation.SqlWithLimit(arguments.Limit);
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
}
