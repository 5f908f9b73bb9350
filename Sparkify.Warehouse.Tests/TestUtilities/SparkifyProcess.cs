using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>
/// The built <c>sparkify</c> run as its own process, for behaviour that spans processes or needs its
/// own environment: <see cref="RunAsync"/> runs a command to the end; <see cref="Start"/> leaves it
/// running in the background, for signals (Ctrl+C), concurrent loads, and memory measured from outside
/// (<c>/proc/PID/status</c>). In-process runs go through <see cref="CliRunner"/>.
/// </summary>
internal sealed class SparkifyProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _out = new();
    private readonly StringBuilder _error = new();
    private readonly Task _sampler;
    private readonly CancellationTokenSource _stopSampling = new();
    private long _peakRss;

    private SparkifyProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(_out, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_error, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        // A thread of its own: on the thread pool, a test run busy with other tests can leave the sampler
        // unscheduled for most of a short process's life, and its peak unseen.
        _sampler = Task.Factory.StartNew(Sample, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>The CLI's entry assembly, built next to the tests.</summary>
    public static string CliAssembly { get; } = Path.Combine(
        AppContext.BaseDirectory.Replace("Sparkify.Warehouse.Tests", "Sparkify.Warehouse.Cli", StringComparison.Ordinal), "sparkify.dll");

    public int Id => _process.Id;

    /// <summary>The highest resident set size seen (the kernel's VmHWM), in bytes.</summary>
    public long PeakRssBytes => Interlocked.Read(ref _peakRss);

    /// <summary>What the process wrote to stderr so far.</summary>
    public string ErrorSoFar
    {
        get
        {
            lock (_error)
            {
                return _error.ToString();
            }
        }
    }

    /// <summary>Runs one command to the end and returns its exit code and output.</summary>
    public static Task<CliResult> RunAsync(IDictionary<string, string?> environment, params string[] args)
        => ProcessRunner.RunAsync("dotnet", [CliAssembly, .. args], environment: environment);

    public static SparkifyProcess Start(IDictionary<string, string?> environment, params string[] args)
    {
        // Through env, which resets SIGINT to its default before it runs dotnet in its own place (the same
        // process): a test run started in the background of a non-interactive shell (nohup ... &) inherits SIGINT
        // ignored, and .NET, as Unix programs do, leaves an ignored SIGINT ignored, so Ctrl+C would never arrive.
        var start = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = TestEnvironment.RepositoryRoot,
        };
        start.ArgumentList.Add("--default-signal=INT");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(CliAssembly);
        foreach (var argument in args)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return new SparkifyProcess(Process.Start(start) ?? throw new InvalidOperationException("Could not start sparkify."));
    }

    /// <summary>Sends <paramref name="signal"/> (<c>INT</c>, what Ctrl+C in a terminal sends; <c>TERM</c>, what a service manager's stop sends).</summary>
    public async Task SignalAsync(string signal)
    {
        var kill = await ProcessRunner.RunAsync("kill", ["-" + signal, Id.ToString(CultureInfo.InvariantCulture)]);
        Assert.True(kill.ExitCode == 0, kill.ToString());
    }

    /// <summary>Waits until stderr contains <paramref name="text"/> (or the process ends, which fails).</summary>
    public async Task WaitForErrorOutputAsync(string text, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(1));
        while (!ErrorSoFar.Contains(text, StringComparison.Ordinal))
        {
            Assert.False(_process.HasExited, $"sparkify exited before writing '{text}':\n{ErrorSoFar}");
            await Task.Delay(50, cts.Token);
        }
    }

    public async Task<CliResult> WaitAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(3));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"sparkify did not finish in time:\n{ErrorSoFar}");
        }

        // The parameterless wait also drains the redirected output.
        await _process.WaitForExitAsync();
        await _stopSampling.CancelAsync();
        await _sampler;
        lock (_out)
        {
            lock (_error)
            {
                return new CliResult(_process.ExitCode, _out.ToString(), _error.ToString());
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        await _stopSampling.CancelAsync();
        await _sampler;
        _stopSampling.Dispose();
        _process.Dispose();
    }

    private static void Append(StringBuilder builder, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (builder)
        {
            builder.Append(line).Append('\n');
        }
    }

    private void Sample()
    {
        var status = $"/proc/{_process.Id}/status";
        while (!_stopSampling.IsCancellationRequested)
        {
            try
            {
                foreach (var line in File.ReadLines(status))
                {
                    if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    {
                        var kb = long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                        Interlocked.Exchange(ref _peakRss, Math.Max(Interlocked.Read(ref _peakRss), kb * 1024));
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process has exited: its /proc entry is gone.
                return;
            }

            _stopSampling.Token.WaitHandle.WaitOne(5);
        }
    }
}
