namespace Sparkify.Warehouse.LocalServer;

// The server binaries and the account that runs them: found on PATH or under /usr/lib/postgresql/*/bin, run through runuser as postgres when this process is root.
public sealed partial class LocalPostgresServer
{
    private sealed record Toolchain(string BinDirectory, string? RunUserPath)
    {
        public bool RunAsServerAccount => RunUserPath is not null;

        public string Initdb => Path.Combine(BinDirectory, "initdb");

        public string PgCtl => Path.Combine(BinDirectory, "pg_ctl");
    }

    private async Task<Toolchain> ResolveToolchainAsync(CancellationToken cancellationToken)
    {
        if (_toolchain is not null)
        {
            return _toolchain;
        }

        var binDirectory = CandidateBinDirectories().FirstOrDefault(HasServerBinaries)
            ?? throw new LocalPostgresUnavailableException(
                "The PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found on PATH or under /usr/lib/postgresql/*/bin. "
                + LocalPostgresUnavailableException.InstallHint);

        string? runUser = null;
        if (Environment.IsPrivilegedProcess)
        {
            runUser = RunUserLocations.FirstOrDefault(File.Exists)
                ?? throw new LocalPostgresUnavailableException(
                    "PostgreSQL refuses to run as root, and 'runuser' (util-linux), needed to run it as the 'postgres' user, was not found. "
                    + "Install it with 'apt-get install util-linux', or run as a regular user.");
            var lookup = await ToolProcess.RunAsync("id", ["-u", ServerAccountName], ProcessTimeout, cancellationToken).ConfigureAwait(false);
            if (lookup.ExitCode != 0)
            {
                throw new LocalPostgresUnavailableException(
                    "PostgreSQL refuses to run as root and there is no 'postgres' system user to run it as. "
                    + LocalPostgresUnavailableException.InstallHint + " It creates that user.");
            }
        }

        _toolchain = new Toolchain(binDirectory, runUser);
        LogUsingBinaries(_logger, binDirectory, runUser is null ? Environment.UserName : ServerAccountName);
        return _toolchain;
    }

    private IEnumerable<string> CandidateBinDirectories()
    {
        if (_binarySearchDirectories is not null)
        {
            return _binarySearchDirectories;
        }

        var candidates = new List<string>();
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        // Relative entries would resolve against a different directory once the tools run from "/".
        candidates.AddRange(path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Where(Path.IsPathRooted));

        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            // A cluster only starts with the major version that created it, so after an upgrade that
            // left several versions installed, the matching one has to win over the newest.
            var clusterVersion = ReadClusterMajorVersion();
            if (clusterVersion is not null)
            {
                candidates.Add(Path.Combine(debianRoot, clusterVersion, "bin"));
            }

            candidates.AddRange(Directory.EnumerateDirectories(debianRoot)
                .Select(dir => (Dir: dir, Version: ParseVersion(Path.GetFileName(dir))))
                .Where(entry => entry.Version is not null)
                .OrderByDescending(entry => entry.Version)
                .Select(entry => Path.Combine(entry.Dir, "bin")));
        }

        return candidates;
    }

    private string? ReadClusterMajorVersion()
    {
        try
        {
            return File.ReadAllText(Path.Combine(DataDirectory, "PG_VERSION")).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static Version? ParseVersion(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        // Directory names are majors such as "15" or, before PostgreSQL 10, "9.6".
        return Version.TryParse(text.Contains('.', StringComparison.Ordinal) ? text : text + ".0", out var version)
            ? version
            : null;
    }

    private static bool HasServerBinaries(string directory) =>
        ServerBinaryNames.All(name => File.Exists(Path.Combine(directory, name)));

    private static Task<ToolProcessResult> RunServerToolAsync(
        Toolchain tools, string executable, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken) =>
        tools.RunUserPath is { } runUser
            ? ToolProcess.RunAsync(runUser, ["-u", ServerAccountName, "--", executable, .. arguments], timeout, cancellationToken)
            : ToolProcess.RunAsync(executable, arguments, timeout, cancellationToken);
}
