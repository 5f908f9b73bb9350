using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Sparkify.Warehouse.LocalServer;

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

    /// <summary>
    /// Whether the server starts with more WAL between checkpoints than PostgreSQL's defaults
    /// (<c>max_wal_size=2GB</c>, <c>checkpoint_timeout=30min</c>), which suits bulk loads; true by default.
    /// Set it to false for a server configured exactly as <c>initdb</c> leaves it (the benchmark does, for its
    /// reference server). Durability settings are never changed.
    /// </summary>
    public bool BulkLoadSettings { get; init; } = true;

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
}
