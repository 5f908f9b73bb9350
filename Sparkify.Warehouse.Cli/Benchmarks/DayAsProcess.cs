namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>
/// One day loaded by a separate <c>sparkify load</c> process, timed from its start to its exit: what a
/// scheduler or a backfill pays per day, startup and model building included.
/// </summary>
internal static class DayAsProcess
{
    /// <summary>Runs <c>sparkify load</c> for the logs at <paramref name="events"/> (a folder or one file) and the same song files.</summary>
    public static Task<ChildProcess.Cost> MeasureAsync(string database, BenchDataset data, string events, CancellationToken cancellationToken)
        => ChildProcess.RunAsync(
            ChildProcess.Self(["load", "--songs", data.SongData, "--events", events, "--jsonpaths", data.JsonPaths], database),
            $"'sparkify load' of {events}",
            cancellationToken);

    /// <summary>Events in a day's logs: their non-blank lines (the generated logs hold one valid event per line).</summary>
    public static long CountEvents(string day)
        => Directory.EnumerateFiles(day, "*.json", SearchOption.AllDirectories)
            .Sum(file => File.ReadLines(file).LongCount(line => !string.IsNullOrWhiteSpace(line)));
}
