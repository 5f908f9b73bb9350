using System.Globalization;
using System.Text;

namespace Sparkify.Warehouse.LocalServer;

// Creating, starting, stopping and inspecting the cluster with initdb and pg_ctl; the server log.
public sealed partial class LocalPostgresServer
{
    private async Task InitializeClusterAsync(Toolchain tools, string password, CancellationToken cancellationToken)
    {
        // initdb works in a staging directory that is renamed when complete, so an interrupted
        // initdb never leaves a pgdata that looks usable.
        if (Directory.Exists(StagingDataDirectory))
        {
            Directory.Delete(StagingDataDirectory, recursive: true);
        }

        if (!OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(StagingDataDirectory, OwnerOnlyDirectory);
        }

        var passwordFile = Path.Combine(Home, ".initdb-password-" + Guid.NewGuid().ToString("N"));
        try
        {
            WriteFileAtomically(passwordFile, password + "\n");
            await ChownToServerAccountAsync(tools, [StagingDataDirectory, passwordFile], cancellationToken).ConfigureAwait(false);

            LogInitializing(_logger, DataDirectory, tools.BinDirectory);
            var result = await RunServerToolAsync(
                tools,
                tools.Initdb,
                [
                    "-D", StagingDataDirectory,
                    "--auth=scram-sha-256",
                    "--username=" + UserName,
                    "--pwfile=" + passwordFile,
                    "--encoding=UTF8",
                    "--locale=C",
                ],
                ProcessTimeout,
                cancellationToken).ConfigureAwait(false);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"initdb failed with exit code {result.ExitCode} for {DataDirectory}:{Environment.NewLine}{Tail(result.Output)}");
            }
        }
        finally
        {
            File.Delete(passwordFile);
        }

        Directory.Move(StagingDataDirectory, DataDirectory);
    }

    private async Task<int> LaunchServerAsync(Toolchain tools, CancellationToken cancellationToken)
    {
        var port = ReadRecordedPort();
        for (var attempt = 1; ; attempt++)
        {
            if (port is not int candidate || !IsPortFree(candidate))
            {
                if (port is int taken)
                {
                    LogPortTaken(_logger, taken);
                }

                candidate = GetFreePort();
            }

            WriteServerJson(candidate);
            var logOffset = await PrepareLogAsync(tools, cancellationToken).ConfigureAwait(false);

            LogStarting(_logger, DataDirectory, candidate);
            var waitSeconds = ((int)ServerWaitTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            var serverOptions = string.Join(
                ' ',
                "-c listen_addresses=127.0.0.1",
                "-p " + candidate.ToString(CultureInfo.InvariantCulture),
                // No Unix socket: the default /var/run/postgresql may not exist or be writable.
                "-c unix_socket_directories=''",
                // Room for bulk loads without checkpoint storms; durability settings stay at defaults.
                BulkLoadSettings ? "-c max_wal_size=2GB -c checkpoint_timeout=30min" : "");
            var result = await RunServerToolAsync(
                tools,
                tools.PgCtl,
                ["start", "-D", DataDirectory, "-l", LogPath, "-w", "-t", waitSeconds, "-o", serverOptions],
                ServerWaitTimeout + ProcessTimeout,
                cancellationToken).ConfigureAwait(false);
            if (result.ExitCode == 0)
            {
                return candidate;
            }

            var logTail = ReadLogTail(logOffset);
            // Another program can grab the port between the probe and the bind.
            if (attempt < StartAttempts && logTail.Contains("could not bind", StringComparison.OrdinalIgnoreCase)
                && await GetRunningPortAsync(tools, cancellationToken).ConfigureAwait(false) is null)
            {
                LogPortTaken(_logger, candidate);
                port = null;
                continue;
            }

            throw new InvalidOperationException(
                $"PostgreSQL did not start for {DataDirectory} (pg_ctl exit code {result.ExitCode}): {result.Output.Trim()}"
                + $"{Environment.NewLine}Last lines of {LogPath}:{Environment.NewLine}{logTail}");
        }
    }

    private async Task StopLockedAsync(Toolchain tools, CancellationToken cancellationToken)
    {
        if (await GetRunningPortAsync(tools, cancellationToken).ConfigureAwait(false) is null)
        {
            return;
        }

        var waitSeconds = ((int)ServerWaitTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        var result = await RunServerToolAsync(
            tools,
            tools.PgCtl,
            ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", waitSeconds],
            ServerWaitTimeout + ProcessTimeout,
            cancellationToken).ConfigureAwait(false);

        // A server that exited on its own between the status check and the stop is what we wanted.
        if (result.ExitCode != 0 && await GetRunningPortAsync(tools, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new InvalidOperationException(
                $"pg_ctl stop failed with exit code {result.ExitCode} for {DataDirectory}: {result.Output.Trim()}");
        }

        LogStopped(_logger, DataDirectory);
    }

    /// <summary>The port of the running server, taken from its <c>postmaster.pid</c>; <see langword="null"/> when none runs.</summary>
    private async Task<int?> GetRunningPortAsync(Toolchain tools, CancellationToken cancellationToken)
    {
        if (!ClusterExists)
        {
            return null;
        }

        var result = await RunServerToolAsync(tools, tools.PgCtl, ["status", "-D", DataDirectory], ProcessTimeout, cancellationToken)
            .ConfigureAwait(false);
        switch (result.ExitCode)
        {
            case 0:
                break;
            case 3:
                return null;
            default:
                throw new InvalidOperationException(
                    $"pg_ctl status failed with exit code {result.ExitCode} for {DataDirectory}: {result.Output.Trim()}");
        }

        // postmaster.pid: pid, data directory, start time, port, socket directory, listen address, ...
        try
        {
            var lines = File.ReadAllLines(PidFilePath);
            if (lines.Length > 3 && int.TryParse(lines[3], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            {
                return port;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Fall through: the server is exiting or still writing the file.
        }

        return ReadRecordedPort()
            ?? throw new InvalidOperationException($"A server is running for {DataDirectory} but its port cannot be determined from {PidFilePath}.");
    }

    private async Task<long> PrepareLogAsync(Toolchain tools, CancellationToken cancellationToken)
    {
        var log = new FileInfo(LogPath);
        if (log.Exists && log.Length > MaxLogBytes)
        {
            File.Move(LogPath, LogPath + ".1", overwrite: true);
            log.Refresh();
        }

        if (!log.Exists)
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = OwnerOnlyFile;
            }

            new FileStream(LogPath, options).Dispose();
        }

        // pg_ctl opens the log as the server account.
        await ChownToServerAccountAsync(tools, [LogPath], cancellationToken).ConfigureAwait(false);
        return new FileInfo(LogPath).Length;
    }

    private string ReadLogTail(long fromOffset)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(Math.Min(stream.Length, Math.Max(fromOffset, stream.Length - 8192)), SeekOrigin.Begin);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return Tail(reader.ReadToEnd());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"(could not read {LogPath}: {ex.Message})";
        }
    }

    private static string Tail(string text, int lines = 20)
    {
        var all = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join(Environment.NewLine, all.Skip(Math.Max(0, all.Length - lines)).Select(line => line.TrimEnd('\r')));
    }
}
