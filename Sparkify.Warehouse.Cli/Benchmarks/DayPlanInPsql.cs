using System.Text;
using Sparkify.Warehouse.Loading;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>
/// The server's floor for a day: the statements <c>sparkify load</c> sends inside its transaction for the day, as
/// its plan (<see cref="WarehouseLoader.Plan"/>, what <c>load --dry-run</c> prints) gives them, run by one
/// <c>psql -f</c> process, with the day's staged rows handed over already parsed (a binary <c>\copy</c> of the very
/// rows the load stages) in place of the load's COPY of the JSON it parses. The client's other COPYs (the song
/// files', none on such a day; the ledger's rows; the rejects) and the statements only a re-read sends are left
/// out, and the song steps run even where a day that keeps the staged songs skips them (a few milliseconds): about
/// the least work any client could have the server do for the day.
/// </summary>
internal static class DayPlanInPsql
{
    /// <summary>Runs the plan of the day at <paramref name="day"/> on <paramref name="database"/>, its events from <paramref name="eventsBinary"/>, as a psql process.</summary>
    public static async Task<ChildProcess.Cost> MeasureAsync(string database, BenchDataset data, string day, string eventsBinary, CancellationToken cancellationToken)
    {
        var plan = new WarehouseLoader(new WarehouseOptions { ConnectionString = database })
            .Plan(new LoadRequest { SongsSource = data.SongData, EventsSource = day, JsonPathsSource = data.JsonPaths });
        var folder = Path.Combine(data.Root, "day-plan-sql");
        Directory.CreateDirectory(folder);
        var script = Path.Combine(folder, Path.GetFileNameWithoutExtension(eventsBinary) + ".sql");
        await File.WriteAllTextAsync(script, Script(plan, eventsBinary), cancellationToken).ConfigureAwait(false);
        return await ChildProcess.RunAsync(Psql.StartInfo(Psql.Require(), database, script), $"psql of the day's plan ({Path.GetFileName(eventsBinary)})", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The plan's transaction, from its <c>BEGIN</c> to its <c>COMMIT</c>, as a psql script.</summary>
    /// <exception cref="InvalidOperationException">The plan has no transaction, or no COPY of the staged events.</exception>
    internal static string Script(IReadOnlyList<string> plan, string eventsBinary)
    {
        var codes = plan.Select(Code).ToList();
        var begin = codes.IndexOf("BEGIN");
        var commit = codes.IndexOf("COMMIT");
        if (begin < 0 || commit < begin)
        {
            throw new InvalidOperationException("The load's plan has no BEGIN ... COMMIT.");
        }

        var script = new StringBuilder();
        var staged = false;
        for (var i = begin; i <= commit; i++)
        {
            var code = codes[i];
            if (code.StartsWith("COPY staging_events ", StringComparison.Ordinal))
            {
                script.Append($"\\copy staging_events FROM {Psql.Quoted(eventsBinary)} (FORMAT binary)\n");
                staged = true;
            }
            // The one statement the plan cannot show with its values is the ledger's forgetting of re-read files.
            else if (!code.StartsWith("COPY ", StringComparison.Ordinal) && !code.Contains("@uris", StringComparison.Ordinal))
            {
                script.Append(plan[i]).Append(";\n");
            }
        }

        return staged ? script.ToString() : throw new InvalidOperationException("The load's plan has no COPY of the staged events.");
    }

    /// <summary>A planned statement without the comment lines that precede it.</summary>
    private static string Code(string statement)
        => string.Join('\n', statement.Split('\n').SkipWhile(line => line.StartsWith("--", StringComparison.Ordinal))).Trim();
}
