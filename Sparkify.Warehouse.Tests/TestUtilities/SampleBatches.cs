using System.Globalization;

namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>Parts of the real sample's event logs, copied into temporary folders (the caller deletes them).</summary>
internal static class SampleBatches
{
    /// <summary>
    /// The log files of days up to <paramref name="lastEarlierDay"/> and of the rest, in two folders
    /// under one temporary root (<c>Path.GetDirectoryName(Earlier)</c>).
    /// </summary>
    public static (string Earlier, string Later) SplitLogDays(int lastEarlierDay)
    {
        var root = Directory.CreateTempSubdirectory("sparkify-split-").FullName;
        var earlier = Directory.CreateDirectory(Path.Combine(root, "earlier")).FullName;
        var later = Directory.CreateDirectory(Path.Combine(root, "later")).FullName;
        foreach (var file in LogFiles())
        {
            File.Copy(file, Path.Combine(Day(file) <= lastEarlierDay ? earlier : later, Path.GetFileName(file)));
        }

        return (earlier, later);
    }

    /// <summary>A temporary folder with every log file but the one for <paramref name="missingDay"/>.</summary>
    public static string AllLogsExcept(int missingDay)
    {
        var folder = Directory.CreateTempSubdirectory("sparkify-logs-").FullName;
        foreach (var file in LogFiles().Where(f => Day(f) != missingDay))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        return folder;
    }

    /// <summary>The sample's log file for one day of November 2018.</summary>
    public static string LogFile(int day) => LogFiles().Single(f => Day(f) == day);

    private static IEnumerable<string> LogFiles() => Directory.GetFiles(TestEnvironment.SampleLogs, "*.json", SearchOption.AllDirectories);

    private static int Day(string file) => int.Parse(Path.GetFileName(file)[8..10], CultureInfo.InvariantCulture);
}
