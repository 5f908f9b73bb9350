using System.Diagnostics;

namespace Sparkify.Warehouse.LocalServer;

// The home directory, its permissions, and the lock file that serializes start, stop and delete across processes.
public sealed partial class LocalPostgresServer
{
    private void EnsureHomeDirectory(Toolchain tools)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        if (Directory.Exists(Home))
        {
            return;
        }

        var parent = Path.GetDirectoryName(Home);
        if (parent is not null)
        {
            Directory.CreateDirectory(parent);
        }

        // Root keeps the home to itself except for traversal, which the server account needs to
        // reach pgdata; everyone else keeps it private.
        var mode = tools.RunAsServerAccount ? OwnerOnlyDirectory | UnixFileMode.OtherExecute : OwnerOnlyDirectory;
        Directory.CreateDirectory(Home, mode);
    }

    /// <summary>
    /// The server account must be able to traverse every ancestor of the data directory; a root
    /// home such as <c>/root</c> (mode 0700) blocks it. Only the execute bit is added, so nothing
    /// becomes listable or readable.
    /// </summary>
    private void EnsureAncestorsTraversable()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        for (var directory = Home; !string.IsNullOrEmpty(directory); directory = Path.GetDirectoryName(directory))
        {
            var mode = File.GetUnixFileMode(directory);
            if ((mode & UnixFileMode.OtherExecute) == 0)
            {
                File.SetUnixFileMode(directory, mode | UnixFileMode.OtherExecute);
                LogGrantedTraversal(_logger, directory, ServerAccountName);
            }
        }
    }

    private async Task<FileStream> AcquireLockAsync(CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        var options = new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.ReadWrite,
            // On Unix .NET backs FileShare.None with flock(), which other processes (and other
            // handles in this one) respect, and which the kernel drops if this process dies.
            Share = FileShare.None,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnlyFile;
        }

        var loggedWait = false;
        while (true)
        {
            try
            {
                return new FileStream(LockPath, options);
            }
            catch (IOException ex) when (File.Exists(LockPath))
            {
                if (waited.Elapsed >= LockTimeout)
                {
                    throw new TimeoutException(
                        $"Timed out after {LockTimeout.TotalSeconds:0} s waiting for {LockPath}, held by another process using the same local PostgreSQL home.",
                        ex);
                }

                if (!loggedWait)
                {
                    LogWaitingForLock(_logger, LockPath);
                    loggedWait = true;
                }

                await Task.Delay(LockPollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task ChownToServerAccountAsync(Toolchain tools, string[] paths, CancellationToken cancellationToken)
    {
        if (!tools.RunAsServerAccount)
        {
            return;
        }

        var result = await ToolProcess.RunAsync("chown", [$"{ServerAccountName}:", "--", .. paths], ProcessTimeout, cancellationToken)
            .ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"Could not give the '{ServerAccountName}' user ownership of {string.Join(", ", paths)}: {result.Output.Trim()}");
        }
    }
}
