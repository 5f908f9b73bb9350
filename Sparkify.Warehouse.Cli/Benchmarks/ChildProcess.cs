using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Sparkify.Warehouse.Cli.Configuration;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>
/// A child process of the bench, run to its exit: its wall time from start to exit, its CPU time (user + system), and
/// its peak resident memory as the kernel counts it (the process's <c>VmHWM</c>, high-water mark of RSS, in
/// <c>/proc/&lt;pid&gt;/status</c>, read until it exits).
/// </summary>
internal static class ChildProcess
{
    /// <summary>What one child cost.</summary>
    public sealed record Cost(double Seconds, double CpuSeconds, long PeakBytes);

    /// <summary>
    /// Runs <paramref name="start"/> (its output and errors redirected) to its exit, its output read and dropped.
    /// </summary>
    /// <param name="start">The process.</param>
    /// <param name="what">How a failure names it.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="InvalidOperationException">It exited with a code other than 0; the message holds its errors.</exception>
    public static async Task<Cost> RunAsync(ProcessStartInfo start, string what, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("A child's CPU time and peak memory are read from /proc, which only Linux has.");
        }

        var cpuBefore = ChildCpuSeconds();
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        var exited = process.WaitForExitAsync(cancellationToken);
        var status = $"/proc/{process.Id}/status";
        long peak = 0;

        // The memory is sampled while the process runs, and the clock stops at its exit, not at the next sample.
        while (!exited.IsCompleted)
        {
            peak = Math.Max(peak, ReadHighWaterMark(status));
            await Task.WhenAny(exited, Task.Delay(20, cancellationToken)).ConfigureAwait(false);
        }

        await exited.ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        await output.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The measured {what} failed (exit {process.ExitCode}): {await error.ConfigureAwait(false)}");
        }

        return new(seconds, ChildCpuSeconds() - cpuBefore, peak);
    }

    /// <summary>
    /// This same CLI with <paramref name="arguments"/>, connected to <paramref name="connectionString"/>, its output and
    /// errors redirected. The connection goes through <c>SPARKIFY_CONNECTION</c> in the child's environment, which only
    /// its user can read, so the password is never on a command line, which every user of the machine can.
    /// </summary>
    public static ProcessStartInfo Self(IReadOnlyList<string> arguments, string connectionString)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this process is unknown.");
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment[CliConfiguration.ConnectionVariable] = connectionString;
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            // Run as 'dotnet sparkify.dll': the child must be told which application to run.
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    /// <summary>
    /// CPU seconds (user + system) of this process's exited and reaped children so far: fields 16 and 17
    /// (cutime, cstime) of <c>/proc/self/stat</c>. A child's own counters vanish when it is reaped, and
    /// the bench runs one child at a time, so the difference across a run is that child's CPU.
    /// </summary>
    private static double ChildCpuSeconds()
    {
        var stat = File.ReadAllText("/proc/self/stat");

        // The command name (field 2) may hold spaces; the fields after it start with the state (field 3).
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

        // In clock ticks of USER_HZ, which Linux fixes at 100 for every user-space interface.
        return (long.Parse(fields[16 - 3], CultureInfo.InvariantCulture) + long.Parse(fields[17 - 3], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static long ReadHighWaterMark(string statusPath)
    {
        try
        {
            foreach (var line in File.ReadLines(statusPath))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    // "VmHWM:   143520 kB"
                    var kilobytes = line["VmHWM:".Length..].Trim().Split(' ')[0];
                    return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
            // The process exited between the check and the read; the last reading stands.
        }

        return 0;
    }
}
