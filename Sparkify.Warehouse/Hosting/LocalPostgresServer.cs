using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Sparkify.Warehouse.Hosting;

/// <summary>
/// A private PostgreSQL server kept under a home directory (by default <c>~/.sparkify</c>), started on
/// demand on a loopback port. It backs the CLI's embedded default database and the test suite on
/// machines without Docker.
/// </summary>
/// <remarks>
/// <para>
/// Layout of the home: <c>pgdata/</c> (the cluster), <c>server.json</c> (port, user, database),
/// <c>password</c> (mode 0600), <c>server.log</c> and <c>.lock</c>, which serializes
/// <see cref="StartAsync"/>, <see cref="StopAsync"/> and <see cref="DeleteAsync"/> across processes.
/// </para>
/// <para>
/// The server binaries (<c>initdb</c>, <c>pg_ctl</c>, <c>postgres</c>) come from <c>PATH</c> or
/// <c>/usr/lib/postgresql/*/bin</c>. PostgreSQL refuses to run as root, so a root process runs them as
/// the <c>postgres</c> system user through <c>runuser</c>. The server is left running when this
/// process exits, so later CLI invocations reuse it.
/// </para>
/// </remarks>
public sealed partial class LocalPostgresServer
{
    private const string UserName = "sparkify";
    private const string DefaultDatabase = "sparkify";
    private const string ServerAccountName = "postgres";
    private const int PasswordLength = 32;
    private const int StartAttempts = 3;

    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ServerWaitTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan LockPollInterval = TimeSpan.FromMilliseconds(100);

    // Rotated at start so an always-on developer server cannot grow the log without bound.
    private const long MaxLogBytes = 10L * 1024 * 1024;

    private static readonly string[] ServerBinaryNames = ["initdb", "pg_ctl", "postgres"];
    private static readonly string[] RunUserLocations = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser", "/bin/runuser"];

    private const UnixFileMode OwnerOnlyDirectory =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly ILogger _logger;
    private readonly IReadOnlyList<string>? _binarySearchDirectories;
    private Toolchain? _toolchain;

    /// <summary>Initializes a server description for a home directory. Nothing is created or started until a method is called.</summary>
    /// <param name="home">
    /// The directory that holds the cluster, password and log. <see langword="null"/> or empty selects
    /// <see cref="DefaultHome"/>. Relative paths are resolved against the current directory.
    /// </param>
    /// <param name="logger">Receives progress messages (never the password); <see langword="null"/> disables logging.</param>
    public LocalPostgresServer(string? home = null, ILogger? logger = null)
        : this(home, logger, binarySearchDirectories: null)
    {
    }

    /// <summary>Test seam: looks for the server binaries only in <paramref name="binarySearchDirectories"/> when it is not null.</summary>
    internal LocalPostgresServer(string? home, ILogger? logger, IEnumerable<string>? binarySearchDirectories)
    {
        Home = Path.GetFullPath(string.IsNullOrEmpty(home) ? DefaultHome : home);
        _logger = logger ?? NullLogger.Instance;
        _binarySearchDirectories = binarySearchDirectories?.ToArray();
    }

    /// <summary>
    /// The home used when none is given: the <c>SPARKIFY_HOME</c> environment variable when it is set
    /// and not empty, otherwise <c>.sparkify</c> under the user's home directory.
    /// </summary>
    /// <exception cref="InvalidOperationException">Neither <c>SPARKIFY_HOME</c> nor a user home directory is available.</exception>
    public static string DefaultHome
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable("SPARKIFY_HOME");
            if (!string.IsNullOrEmpty(configured))
            {
                return Path.GetFullPath(configured);
            }

            var profile = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            if (string.IsNullOrEmpty(profile))
            {
                throw new InvalidOperationException(
                    "Cannot locate a home directory for the local PostgreSQL server: set SPARKIFY_HOME.");
            }

            return Path.Combine(profile, ".sparkify");
        }
    }

    /// <summary>The absolute path of the home directory that holds this server's files.</summary>
    public string Home { get; }

    /// <summary>How long a call waits for another process that holds the home's lock.</summary>
    internal TimeSpan LockTimeout { get; init; } = TimeSpan.FromMinutes(3);

    internal string DataDirectory => Path.Combine(Home, "pgdata");

    internal string ServerJsonPath => Path.Combine(Home, "server.json");

    internal string PasswordPath => Path.Combine(Home, "password");

    internal string LogPath => Path.Combine(Home, "server.log");

    private string StagingDataDirectory => Path.Combine(Home, "pgdata.initdb");

    private string LockPath => Path.Combine(Home, ".lock");

    private string PidFilePath => Path.Combine(DataDirectory, "postmaster.pid");

    private bool ClusterExists => File.Exists(Path.Combine(DataDirectory, "PG_VERSION"));

    /// <summary>
    /// Starts the server for <see cref="Home"/>, or reuses it when it is already running, creating the
    /// cluster and the <c>sparkify</c> database the first time.
    /// </summary>
    /// <param name="cancellationToken">Cancels waiting; a server process that was already launched keeps running.</param>
    /// <returns>
    /// An Npgsql connection string for the <c>sparkify</c> database:
    /// <c>Host=127.0.0.1;Port=…;Username=sparkify;Password=…;Database=sparkify</c>.
    /// </returns>
    /// <exception cref="LocalPostgresUnavailableException">The PostgreSQL server binaries (or, for root, <c>runuser</c> and the <c>postgres</c> user) are missing.</exception>
    /// <exception cref="InvalidOperationException">The cluster could not be created or the server did not start; the message carries the end of <c>server.log</c>.</exception>
    /// <exception cref="TimeoutException">Another process held the home's lock for longer than the lock timeout.</exception>
    public async Task<string> StartAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfUnsupportedPlatform();
        if (await TryReuseRunningServerAsync(cancellationToken).ConfigureAwait(false) is { } running)
        {
            return running;
        }

        var tools = await ResolveToolchainAsync(cancellationToken).ConfigureAwait(false);
        EnsureHomeDirectory(tools);

        using var homeLock = await AcquireLockAsync(cancellationToken).ConfigureAwait(false);
        var password = EnsurePassword();
        if (tools.RunAsServerAccount)
        {
            EnsureAncestorsTraversable();
        }

        if (!ClusterExists)
        {
            await InitializeClusterAsync(tools, password, cancellationToken).ConfigureAwait(false);
        }

        int port;
        if (await GetRunningPortAsync(tools, cancellationToken).ConfigureAwait(false) is int runningPort)
        {
            port = runningPort;
            await WaitForConnectionAsync(port, password, cancellationToken).ConfigureAwait(false);
            LogReusing(_logger, port, DataDirectory);
        }
        else
        {
            port = await LaunchServerAsync(tools, cancellationToken).ConfigureAwait(false);
            await WaitForConnectionAsync(port, password, cancellationToken).ConfigureAwait(false);
        }

        WriteServerJson(port);
        await EnsureDatabaseAsync(port, password, DefaultDatabase, cancellationToken).ConfigureAwait(false);
        return BuildConnectionString(port, password, DefaultDatabase, administrative: false);
    }

    /// <summary>
    /// The usual case for a command line: this home's server already runs. Connecting with the recorded
    /// port and password proves it without running <c>id</c>, <c>runuser</c> and <c>pg_ctl status</c> as
    /// child processes and two administrative connections, about 0.3 s of a short command. The server
    /// must report this home's data directory, which also proves the database exists. The connection goes
    /// back to the pool that the caller's first connection then takes. Anything else (no server, a
    /// stopping one, another program on the port) returns <see langword="null"/> for the full start.
    /// </summary>
    private async Task<string?> TryReuseRunningServerAsync(CancellationToken cancellationToken)
    {
        if (!ClusterExists || !File.Exists(PidFilePath) || !File.Exists(PasswordPath) || ReadRecordedPort() is not int port)
        {
            return null;
        }

        using var homeLock = await AcquireLockAsync(cancellationToken).ConfigureAwait(false);
        var connectionString = BuildConnectionString(port, EnsurePassword(), DefaultDatabase, administrative: false);
        try
        {
            var connection = new NpgsqlConnection(connectionString);
            await using (connection.ConfigureAwait(false))
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                var dataDirectory = new NpgsqlCommand("SELECT current_setting('data_directory')", connection);
                await using (dataDirectory.ConfigureAwait(false))
                {
                    if (await dataDirectory.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not string reported
                        || !string.Equals(Path.GetFullPath(reported), DataDirectory, StringComparison.Ordinal))
                    {
                        return null;
                    }
                }
            }
        }
        catch (NpgsqlException)
        {
            return null;
        }

        LogReusing(_logger, port, DataDirectory);
        return connectionString;
    }

    /// <summary>Stops the server with <c>pg_ctl stop -m fast</c> (open sessions are rolled back). Does nothing when it is not running or was never created.</summary>
    /// <param name="cancellationToken">Cancels waiting for the lock or for <c>pg_ctl</c>.</param>
    /// <exception cref="LocalPostgresUnavailableException">A cluster exists but the server binaries needed to stop it are missing.</exception>
    /// <exception cref="InvalidOperationException"><c>pg_ctl stop</c> failed and the server is still running.</exception>
    /// <exception cref="TimeoutException">Another process held the home's lock for longer than the lock timeout.</exception>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfUnsupportedPlatform();
        if (!ClusterExists)
        {
            return;
        }

        var tools = await ResolveToolchainAsync(cancellationToken).ConfigureAwait(false);
        using var homeLock = await AcquireLockAsync(cancellationToken).ConfigureAwait(false);
        await StopLockedAsync(tools, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reports whether the server for <see cref="Home"/> is running and on which port.</summary>
    /// <param name="cancellationToken">Cancels waiting for <c>pg_ctl status</c>.</param>
    /// <returns>The current status; a home without a cluster is reported as not running.</returns>
    /// <exception cref="LocalPostgresUnavailableException">A cluster exists but the server binaries are missing.</exception>
    public async Task<LocalPostgresStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfUnsupportedPlatform();
        if (!ClusterExists)
        {
            return new LocalPostgresStatus(IsRunning: false, Port: null, DataDirectory);
        }

        var tools = await ResolveToolchainAsync(cancellationToken).ConfigureAwait(false);
        var port = await GetRunningPortAsync(tools, cancellationToken).ConfigureAwait(false);
        return new LocalPostgresStatus(port is not null, port, DataDirectory);
    }

    /// <summary>
    /// Stops the server and deletes the whole <see cref="Home"/> directory, data included. Meant for
    /// throwaway servers in tests; on the default home it erases the local warehouse.
    /// </summary>
    /// <param name="cancellationToken">Cancels waiting for the lock or for <c>pg_ctl</c>.</param>
    /// <exception cref="InvalidOperationException">The server could not be stopped.</exception>
    /// <exception cref="TimeoutException">Another process held the home's lock for longer than the lock timeout.</exception>
    public async Task DeleteAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfUnsupportedPlatform();
        if (!Directory.Exists(Home))
        {
            return;
        }

        using (var homeLock = await AcquireLockAsync(cancellationToken).ConfigureAwait(false))
        {
            if (ClusterExists)
            {
                var tools = await ResolveToolchainAsync(cancellationToken).ConfigureAwait(false);
                await StopLockedAsync(tools, cancellationToken).ConfigureAwait(false);
            }

            // Deleting while the lock file is open is fine on Unix, and keeps another process from
            // starting a server in the directory halfway through the deletion.
            Directory.Delete(Home, recursive: true);
        }

        LogDeleted(_logger, Home);
    }

    /// <summary>
    /// Creates an extra database on this server (starting the server if needed) unless it already
    /// exists, for example one per test class for isolation.
    /// </summary>
    /// <param name="name">The database name: lowercase letters, digits and underscores, not starting with a digit, at most 63 characters.</param>
    /// <param name="cancellationToken">Cancels waiting for the server.</param>
    /// <returns>A connection string like the one from <see cref="StartAsync"/> but with <c>Database=<paramref name="name"/></c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a valid database name.</exception>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!DatabaseNamePattern().IsMatch(name))
        {
            throw new ArgumentException(
                "Database names must match ^[a-z_][a-z0-9_]{0,62}$ (lowercase letters, digits, underscores; at most 63 characters).",
                nameof(name));
        }

        var connectionString = await StartAsync(cancellationToken).ConfigureAwait(false);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        await EnsureDatabaseAsync(builder.Port, builder.Password!, name, cancellationToken).ConfigureAwait(false);
        builder.Database = name;
        return builder.ConnectionString;
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex DatabaseNamePattern();

    private static void ThrowIfUnsupportedPlatform()
    {
        if (OperatingSystem.IsWindows())
        {
            throw new LocalPostgresUnavailableException(
                "The local PostgreSQL server is only supported on Linux and macOS; point the connection string at an existing server instead.");
        }
    }

    // ---- Binaries and the account that runs them -------------------------------------------

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
            var lookup = await RunProcessAsync("id", ["-u", ServerAccountName], ProcessTimeout, cancellationToken).ConfigureAwait(false);
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

    // ---- Home directory, permissions, lock ---------------------------------------------------

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

        var result = await RunProcessAsync("chown", [$"{ServerAccountName}:", "--", .. paths], ProcessTimeout, cancellationToken)
            .ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"Could not give the '{ServerAccountName}' user ownership of {string.Join(", ", paths)}: {result.Output.Trim()}");
        }
    }

    // ---- Password and server.json ------------------------------------------------------------

    private string EnsurePassword()
    {
        if (File.Exists(PasswordPath))
        {
            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(PasswordPath) & ~OwnerOnlyFile) != 0)
            {
                File.SetUnixFileMode(PasswordPath, OwnerOnlyFile);
            }

            var stored = File.ReadAllText(PasswordPath).Trim();
            if (stored.Length == 0)
            {
                throw new InvalidOperationException(
                    $"{PasswordPath} is empty. Delete {Home} to recreate the local server (its data is lost).");
            }

            return stored;
        }

        if (ClusterExists)
        {
            throw new InvalidOperationException(
                $"{PasswordPath} is missing, so the existing cluster in {DataDirectory} cannot be used. Delete {Home} to recreate the local server (its data is lost).");
        }

        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        var password = RandomNumberGenerator.GetString(alphabet, PasswordLength);
        WriteFileAtomically(PasswordPath, password + "\n");
        return password;
    }

    private void WriteServerJson(int port)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("port", port);
            writer.WriteString("user", UserName);
            writer.WriteString("database", DefaultDatabase);
            writer.WriteEndObject();
        }

        WriteFileAtomically(ServerJsonPath, Encoding.UTF8.GetString(buffer.ToArray()) + "\n");
    }

    private int? ReadRecordedPort()
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(ServerJsonPath));
            return document.RootElement.TryGetProperty("port", out var port) && port.TryGetInt32(out var value) && value is > 0 and <= 65535
                ? value
                : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Writes through a temporary file and a rename, so a crash never leaves a half-written file behind.</summary>
    private static void WriteFileAtomically(string path, string contents)
    {
        var temporary = path + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = OwnerOnlyFile;
            }

            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(Encoding.UTF8.GetBytes(contents));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    // ---- Cluster creation, start, stop, status -----------------------------------------------

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
                "-c max_wal_size=2GB",
                "-c checkpoint_timeout=30min");
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

    // ---- Ports and connections ---------------------------------------------------------------

    private static int GetFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private static bool IsPortFree(int port)
    {
        using var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        finally
        {
            listener.Stop();
        }
    }

    private static string BuildConnectionString(int port, string password, string database, bool administrative)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = UserName,
            Password = password,
            Database = database,
        };
        if (administrative)
        {
            // One-off connections; pooling them would leave idle sessions behind in the server.
            builder.Pooling = false;
            builder.Timeout = 5;
        }

        return builder.ConnectionString;
    }

    private async Task WaitForConnectionAsync(int port, string password, CancellationToken cancellationToken)
    {
        var connectionString = BuildConnectionString(port, password, "postgres", administrative: true);
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var connection = new NpgsqlConnection(connectionString);
                await using (connection.ConfigureAwait(false))
                {
                    await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                    return;
                }
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification)
            {
                throw new InvalidOperationException(
                    $"The PostgreSQL server for {DataDirectory} on port {port} rejected the credentials in {PasswordPath} ({ex.SqlState}). "
                    + $"Stop it with StopAsync or delete {Home} to recreate it.",
                    ex);
            }
            catch (NpgsqlException ex) when (waited.Elapsed < ConnectTimeout && !cancellationToken.IsCancellationRequested)
            {
                // Typically 57P03 (starting up or shutting down) or a refused connection.
                LogConnectRetry(_logger, port, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
            }
            catch (NpgsqlException ex)
            {
                throw new InvalidOperationException(
                    $"The PostgreSQL server for {DataDirectory} is running on port {port} but does not accept connections: {ex.Message}",
                    ex);
            }
        }
    }

    private static async Task EnsureDatabaseAsync(int port, string password, string database, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(BuildConnectionString(port, password, "postgres", administrative: true));
        await using var connectionScope = connection.ConfigureAwait(false);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);

        var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        await using (exists.ConfigureAwait(false))
        {
            exists.Parameters.Add(new NpgsqlParameter { Value = database });
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null)
            {
                return;
            }
        }

        try
        {
            // Identifiers cannot be parameters; callers validate the name, and it is quoted as well.
            var sql = "CREATE DATABASE \"" + database.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
            var create = new NpgsqlCommand(sql, connection);
            await using var createScope = create.ConfigureAwait(false);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
            // Another client created it between the check and the CREATE.
        }
    }

    // ---- Processes ---------------------------------------------------------------------------

    private readonly record struct ProcessResult(int ExitCode, string Output);

    private static Task<ProcessResult> RunServerToolAsync(
        Toolchain tools, string executable, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken) =>
        tools.RunUserPath is { } runUser
            ? RunProcessAsync(runUser, ["-u", ServerAccountName, "--", executable, .. arguments], timeout, cancellationToken)
            : RunProcessAsync(executable, arguments, timeout, cancellationToken);

    /// <summary>Runs a process to completion and returns its exit code with stdout and stderr combined.</summary>
    private static async Task<ProcessResult> RunProcessAsync(
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
            return new ProcessResult(process.ExitCode, output.ToString());
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

    // ---- Logging -----------------------------------------------------------------------------

    [LoggerMessage(Level = LogLevel.Debug, Message = "Using PostgreSQL binaries in {BinDirectory}, running them as {Account}")]
    private static partial void LogUsingBinaries(ILogger logger, string binDirectory, string account);

    [LoggerMessage(Level = LogLevel.Information, Message = "Added execute-only permission for others (o+x) on {Directory} so the {Account} user can reach the PostgreSQL data directory")]
    private static partial void LogGrantedTraversal(ILogger logger, string directory, string account);

    [LoggerMessage(Level = LogLevel.Information, Message = "Creating a PostgreSQL cluster in {DataDirectory} with {BinDirectory}")]
    private static partial void LogInitializing(ILogger logger, string dataDirectory, string binDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Starting PostgreSQL for {DataDirectory} on 127.0.0.1:{Port}")]
    private static partial void LogStarting(ILogger logger, string dataDirectory, int port);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reusing the PostgreSQL server already running on 127.0.0.1:{Port} for {DataDirectory}")]
    private static partial void LogReusing(ILogger logger, int port, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Port {Port} is in use by another program; choosing a new port")]
    private static partial void LogPortTaken(ILogger logger, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped PostgreSQL for {DataDirectory}")]
    private static partial void LogStopped(ILogger logger, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted the local PostgreSQL home {Home}")]
    private static partial void LogDeleted(ILogger logger, string home);

    [LoggerMessage(Level = LogLevel.Information, Message = "Waiting for another process that holds {LockPath}")]
    private static partial void LogWaitingForLock(ILogger logger, string lockPath);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Server on port {Port} not accepting connections yet: {Reason}")]
    private static partial void LogConnectRetry(ILogger logger, int port, string reason);
}
