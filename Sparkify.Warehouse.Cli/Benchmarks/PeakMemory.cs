using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>
/// Peak resident memory of a separate <c>sparkify</c> process, as the kernel counts it: the process's
/// <c>VmHWM</c> (high-water mark of RSS) in <c>/proc/&lt;pid&gt;/status</c>, read until it exits.
/// </summary>
internal static class PeakMemory
{
    /// <summary>Runs this same CLI with <paramref name="arguments"/>; returns the peak RSS in bytes and the exit code.</summary>
    public static async Task<(long PeakBytes, int ExitCode, string Error)> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Peak memory is read from /proc, which only Linux has.");
        }

        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this process is unknown.");
        start.FileName = self;
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            // Run as 'dotnet sparkify.dll': the child must be told which application to run.
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {self}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        var status = $"/proc/{process.Id}/status";
        long peak = 0;
        while (!process.HasExited)
        {
            peak = Math.Max(peak, ReadHighWaterMark(status));
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }

        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        await output.ConfigureAwait(false);
        return (peak, process.ExitCode, await error.ConfigureAwait(false));
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
