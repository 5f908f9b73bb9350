using System.Diagnostics;
using System.Text;

namespace Sparkify.Warehouse.LocalServer;

/// <summary>The exit code of a finished tool process with its stdout and stderr combined.</summary>
internal readonly record struct ToolProcessResult(int ExitCode, string Output);

/// <summary>Runs the PostgreSQL tools (and <c>id</c>, <c>chown</c>, <c>runuser</c>) for the local server.</summary>
internal static class ToolProcess
{
    /// <summary>Runs a process to completion and returns its exit code with stdout and stderr combined.</summary>
    public static async Task<ToolProcessResult> RunAsync(
        string executable, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The server account may not be allowed into the caller's current directory.
            WorkingDirectory = "/",
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // Messages are matched in English, and a developer's PGPORT/PGHOST/PGDATA meant for another
        // server must not leak into this one.
        startInfo.Environment["LC_ALL"] = "C";
        foreach (var key in startInfo.Environment.Keys.Where(key => key.StartsWith("PG", StringComparison.Ordinal)).ToList())
        {
            startInfo.Environment.Remove(key);
        }

        using var process = new Process { StartInfo = startInfo };
        var output = new StringBuilder();
        var outputLock = new object();
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);

        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new LocalPostgresUnavailableException($"Could not run {executable}: {ex.Message}", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already exited.
            }

            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException(
                $"{Path.GetFileName(executable)} {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds:0} s.");
        }

        lock (outputLock)
        {
            return new ToolProcessResult(process.ExitCode, output.ToString());
        }

        void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (outputLock)
            {
                output.AppendLine(line);
            }
        }
    }
}
