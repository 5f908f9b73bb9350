using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>What every measurement shares: the clock, the median, connections and the maintenance between steps.</summary>
internal static class BenchTiming
{
    public static async Task<(double Seconds, long Count)> TimeAsync(Func<Task<long>> action)
    {
        // Each measurement starts from a collected heap, so garbage from the one before is not billed to it.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var clock = Stopwatch.StartNew();
        var count = await action().ConfigureAwait(false);
        return (clock.Elapsed.TotalSeconds, count);
    }

    public static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    public static async Task<NpgsqlConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    public static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    public static async Task VacuumAnalyzeAsync(string database, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(database, cancellationToken).ConfigureAwait(false);
        await ReferencePipeline.ExecuteAsync(connection, "VACUUM (ANALYZE)", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The 1-minute load average (Linux), so a reader can tell a quiet machine from a busy one.</summary>
    public static double? LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg")
                ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture)
                : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
