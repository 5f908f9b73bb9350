using System.Diagnostics;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>What one <c>sparkify load</c> process cost: wall-clock seconds from its start to its exit, and its CPU seconds (user + system).</summary>
internal readonly record struct ProcessCost(double Seconds, double CpuSeconds);

/// <summary>
/// One day loaded by a separate <c>sparkify load</c> process, timed from its start to its exit: what a
/// scheduler or a backfill pays per day, startup and model building included.
/// </summary>
internal static class DayAsProcess
{
    /// <summary>Runs <c>sparkify load</c> for the logs at <paramref name="events"/> (a folder or one file) and the same song files.</summary>
    public static async Task<ProcessCost> MeasureAsync(string database, BenchDataset data, string events, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var (_, cpuSeconds, exitCode, error) = await PeakMemory.RunAsync(
            ["load", "--connection", database, "--songs", data.SongData, "--events", events, "--jsonpaths", data.JsonPaths],
            cancellationToken).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"The measured 'sparkify load' of {events} failed (exit {exitCode}): {error}");
        }

        return new(seconds, cpuSeconds);
    }

    /// <summary>Events in a day's logs: their non-blank lines (the generated logs hold one valid event per line).</summary>
    public static long CountEvents(string day)
        => Directory.EnumerateFiles(day, "*.json", SearchOption.AllDirectories)
            .Sum(file => File.ReadLines(file).LongCount(line => !string.IsNullOrWhiteSpace(line)));
}
