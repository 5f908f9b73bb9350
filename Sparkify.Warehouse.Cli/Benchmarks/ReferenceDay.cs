using System.Text;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>
/// A day loaded by the lean reference pipeline as a daily job runs it: one <c>psql -f</c> process that, in one
/// transaction, empties staging, <c>\copy</c>s every song row and the day's event rows from CSV, and runs
/// <see cref="ReferencePipeline.Transform"/>. Like the Python scripts it replaces, it re-stages every song each day;
/// like the reference's full load, its rows arrive pre-flattened (the JSON-to-CSV step is not timed).
/// </summary>
internal static class ReferenceDay
{
    /// <summary>
    /// Writes each day's staged event rows once per dataset, as CSV (<see cref="BenchDataset.NextDayEventsCsv"/>,
    /// <see cref="BenchDataset.DayAfterEventsCsv"/>) for the reference's days and in binary
    /// (<see cref="BenchDataset.NextDayEventsBinary"/>, <see cref="BenchDataset.DayAfterEventsBinary"/>) for the days'
    /// own statements in psql: each day loaded (untimed) into a fresh warehouse by the library and its staged events
    /// written out, so both stage the very rows the loader's days do.
    /// </summary>
    public static async Task EnsureDayRowsAsync(BenchDatabases databases, BenchDataset data, TextWriter log, CancellationToken cancellationToken)
    {
        foreach (var (day, csv, binary) in new[] { (data.NextDay, data.NextDayEventsCsv, data.NextDayEventsBinary), (data.DayAfter, data.DayAfterEventsCsv, data.DayAfterEventsBinary) })
        {
            if (File.Exists(csv) && File.Exists(binary))
            {
                continue;
            }

            await log.WriteLineAsync($"Writing {Path.GetFileName(csv)} and {Path.GetFileName(binary)} for the days' psql processes (once per dataset)...").ConfigureAwait(false);
            var database = await databases.CreateAsync("day_rows", migration: null, cancellationToken).ConfigureAwait(false);
            try
            {
                await FullLoad.MeasureAsync(database, data, day, cancellationToken).ConfigureAwait(false);
                await using var connection = await BenchTiming.OpenAsync(database, cancellationToken).ConfigureAwait(false);
                await ReferencePipeline.ExportCsvAsync(connection, "staging_events", csv, cancellationToken).ConfigureAwait(false);
                await ReferencePipeline.ExportBinaryAsync(connection, "staging_events", binary, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await databases.DropAsync(database, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs the day whose events are <paramref name="eventsCsv"/> on the reference's warehouse, as a psql process.</summary>
    public static async Task<ChildProcess.Cost> MeasureAsync(string database, BenchDataset data, string eventsCsv, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(data.Root, "reference-sql");
        Directory.CreateDirectory(folder);
        var script = Path.Combine(folder, Path.GetFileNameWithoutExtension(eventsCsv) + ".sql");
        await File.WriteAllTextAsync(script, Script(data.SongsCsv, eventsCsv), cancellationToken).ConfigureAwait(false);
        return await ChildProcess.RunAsync(Psql.StartInfo(Psql.Require(), database, script), $"psql of the lean reference's day ({Path.GetFileName(eventsCsv)})", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The day's psql script.</summary>
    internal static string Script(string songsCsv, string eventsCsv)
    {
        var script = new StringBuilder();
        script.Append("BEGIN;\nTRUNCATE staging_events, staging_songs;\n");
        script.Append($"\\copy staging_songs FROM {Psql.Quoted(songsCsv)} (FORMAT csv)\n");
        script.Append($"\\copy staging_events FROM {Psql.Quoted(eventsCsv)} (FORMAT csv)\n");
        foreach (var statement in ReferencePipeline.Transform)
        {
            script.Append(statement).Append(";\n");
        }

        return script.Append("COMMIT;\n").ToString();
    }
}
