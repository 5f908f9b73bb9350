using System.Diagnostics;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>
/// One day loaded by a separate <c>sparkify load</c> process, timed from its start to its exit: what a
/// scheduler or a backfill pays per day, startup and model building included.
/// </summary>
internal static class DayAsProcess
{
    /// <summary>Runs <c>sparkify load</c> for the logs under <paramref name="day"/> (and the same song files); returns its wall-clock seconds.</summary>
    public static async Task<double> MeasureAsync(string database, BenchDataset data, string day, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var (_, exitCode, error) = await PeakMemory.RunAsync(
            ["load", "--connection", database, "--songs", data.SongData, "--events", day, "--jsonpaths", data.JsonPaths],
            cancellationToken).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"The measured 'sparkify load' of {day} failed (exit {exitCode}): {error}");
        }

        return seconds;
    }

    /// <summary>Events in a day's logs: their non-blank lines (the generated logs hold one valid event per line).</summary>
    public static long CountEvents(string day)
        => Directory.EnumerateFiles(day, "*.json", SearchOption.AllDirectories)
            .Sum(file => File.ReadLines(file).LongCount(line => !string.IsNullOrWhiteSpace(line)));
}
