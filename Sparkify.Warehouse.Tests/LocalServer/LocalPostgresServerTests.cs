using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Npgsql;
using Sparkify.Warehouse.LocalServer;

namespace Sparkify.Warehouse.Tests.LocalServer;

/// <summary>One real server per test class: initdb costs seconds, so the tests share it and run in order.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class LocalPostgresServerFixture : IAsyncLifetime
{
    public LocalPostgresServer Server { get; } = new(LocalPostgresServerTests.NewTemporaryHome());

    public string ConnectionString { get; private set; } = string.Empty;

    public async Task InitializeAsync() => ConnectionString = await Server.StartAsync();

    public Task DisposeAsync() => Server.DeleteAsync();
}

// The local server is a Unix feature (PostgreSQL binaries, runuser, Unix file modes).
[UnsupportedOSPlatform("windows")]
public sealed class LocalPostgresServerTests : IClassFixture<LocalPostgresServerFixture>
{
    private readonly LocalPostgresServerFixture _fixture;

    public LocalPostgresServerTests(LocalPostgresServerFixture fixture) => _fixture = fixture;

    private LocalPostgresServer Server => _fixture.Server;

    internal static string NewTemporaryHome() =>
        Path.Combine(Path.GetTempPath(), "sparkify-pgtest-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task StartedServer_AcceptsConnectionsWithCLocaleAndUtf8()
    {
        var connectionString = await Server.StartAsync();

        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        Assert.Equal("127.0.0.1", builder.Host);
        Assert.Equal("sparkify", builder.Username);
        Assert.Equal("sparkify", builder.Database);

        await using var connection = await OpenAsync(connectionString);
        Assert.Equal(1, await Scalar<int>(connection, "SELECT 1"));
        Assert.Equal("UTF8", await Scalar<string>(connection, "SHOW server_encoding"));
        Assert.Equal("C", await Scalar<string>(connection, "SELECT datcollate FROM pg_database WHERE datname = current_database()"));
        Assert.Equal("127.0.0.1", await Scalar<string>(connection, "SHOW listen_addresses"));
        Assert.Equal(string.Empty, await Scalar<string>(connection, "SHOW unix_socket_directories"));
        Assert.Equal("on", await Scalar<string>(connection, "SHOW fsync"));
    }

    [Fact]
    public async Task StartTwice_ReusesTheRunningPostmaster()
    {
        var first = new NpgsqlConnectionStringBuilder(await Server.StartAsync());
        var pidBefore = ReadPostmasterPid(Server);

        // A second instance on the same home stands for a second CLI invocation.
        var second = new NpgsqlConnectionStringBuilder(await new LocalPostgresServer(Server.Home).StartAsync());

        Assert.Equal(first.Port, second.Port);
        Assert.Equal(first.Password, second.Password);
        Assert.Equal(pidBefore, ReadPostmasterPid(Server));
        Assert.Equal(pidBefore, Assert.Single(PostmasterPidsFor(await DataDirectory(Server))));
    }

    [Fact]
    public async Task Start_OnARunningServer_ConnectsWithoutTheServerTools()
    {
        var running = await Server.StartAsync();
        var emptyBin = Directory.CreateTempSubdirectory("sparkify-nobin-");
        try
        {
            // No initdb, pg_ctl or postgres to find: only a connection can tell that the server runs.
            var withoutTools = new LocalPostgresServer(Server.Home, logger: null, binarySearchDirectories: [emptyBin.FullName]);

            Assert.Equal(running, await withoutTools.StartAsync());
        }
        finally
        {
            emptyBin.Delete();
        }
    }

    [Fact]
    public async Task Stop_ThenStatusAndConnection_ShowItIsDown_AndStartBringsItBack()
    {
        var connectionString = await Server.StartAsync();
        var status = await Server.GetStatusAsync();
        Assert.True(status.IsRunning);
        Assert.Equal(new NpgsqlConnectionStringBuilder(connectionString).Port, status.Port);

        await Server.StopAsync();

        status = await Server.GetStatusAsync();
        Assert.False(status.IsRunning);
        Assert.Null(status.Port);
        Assert.False(File.Exists(Path.Combine(status.DataDirectory, "postmaster.pid")));
        var refused = await Assert.ThrowsAnyAsync<NpgsqlException>(() => OpenOnce(connectionString));
        var socketError = Assert.IsType<SocketException>(refused.InnerException);
        Assert.Equal(SocketError.ConnectionRefused, socketError.SocketErrorCode);

        await Server.StopAsync(); // no-op when already stopped

        var restarted = await Server.StartAsync();
        await using var connection = await OpenAsync(restarted);
        Assert.Equal(1, await Scalar<int>(connection, "SELECT 1"));
    }

    [Fact]
    public async Task Start_WhenRecordedPortIsTaken_PicksAnotherPort()
    {
        var oldPort = new NpgsqlConnectionStringBuilder(await Server.StartAsync()).Port;
        await Server.StopAsync();

        using var squatter = new TcpListener(IPAddress.Loopback, oldPort);
        squatter.Start();
        try
        {
            var newPort = new NpgsqlConnectionStringBuilder(await Server.StartAsync()).Port;
            Assert.NotEqual(oldPort, newPort);
            Assert.Contains(newPort.ToString(CultureInfo.InvariantCulture), await File.ReadAllTextAsync(Server.ServerJsonPath));
        }
        finally
        {
            squatter.Stop();
        }
    }

    [Fact]
    public async Task CreateDatabase_CreatesAnIsolatedDatabase_AndIsIdempotent()
    {
        var connectionString = await Server.CreateDatabaseAsync("isolated_test_db");
        Assert.Equal(connectionString, await Server.CreateDatabaseAsync("isolated_test_db"));

        await using var connection = await OpenAsync(connectionString);
        Assert.Equal("isolated_test_db", await Scalar<string>(connection, "SELECT current_database()"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Upper")]
    [InlineData("1starts_with_digit")]
    [InlineData("has-dash")]
    [InlineData("x\"; DROP DATABASE sparkify; --")]
    public async Task CreateDatabase_RejectsInvalidNames(string name)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Server.CreateDatabaseAsync(name));
    }

    [Fact]
    public async Task CreateDatabase_RejectsNamesLongerThan63Characters()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Server.CreateDatabaseAsync(new string('a', 64)));
    }

    [Fact]
    public async Task PasswordIsPrivate_AndKeptOutOfServerJson()
    {
        var password = new NpgsqlConnectionStringBuilder(await Server.StartAsync()).Password!;

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Server.PasswordPath));
        Assert.Equal(password, (await File.ReadAllTextAsync(Server.PasswordPath)).Trim());
        var serverJson = await File.ReadAllTextAsync(Server.ServerJsonPath);
        Assert.DoesNotContain(password, serverJson, StringComparison.Ordinal);
        Assert.Contains("\"port\"", serverJson, StringComparison.Ordinal);
        Assert.DoesNotContain(password, await File.ReadAllTextAsync(Server.LogPath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WhileAnotherProcessHoldsTheLock_TimesOut()
    {
        await Server.StartAsync();
        var impatient = new LocalPostgresServer(Server.Home) { LockTimeout = TimeSpan.FromMilliseconds(300) };

        using (new FileStream(Path.Combine(Server.Home, ".lock"), FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            await Assert.ThrowsAsync<TimeoutException>(() => impatient.StartAsync());
        }

        await impatient.StartAsync();
    }

    [Fact]
    public async Task MissingBinaries_ThrowsWithInstallHint()
    {
        var emptyBin = Directory.CreateTempSubdirectory("sparkify-nobin-");
        var home = NewTemporaryHome();
        try
        {
            var server = new LocalPostgresServer(home, logger: null, binarySearchDirectories: [emptyBin.FullName]);

            var error = await Assert.ThrowsAsync<LocalPostgresUnavailableException>(() => server.StartAsync());

            Assert.Contains("apt-get install postgresql", error.Message, StringComparison.Ordinal);
            Assert.IsAssignableFrom<InvalidOperationException>(error);
            Assert.False(Directory.Exists(home));
        }
        finally
        {
            emptyBin.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task HomeWithoutCluster_ReportsNotRunning_AndStopAndDeleteAreNoOps()
    {
        var server = new LocalPostgresServer(NewTemporaryHome());

        var status = await server.GetStatusAsync();

        Assert.False(status.IsRunning);
        Assert.Null(status.Port);
        Assert.Equal(Path.Combine(server.Home, "pgdata"), status.DataDirectory);
        await server.StopAsync();
        await server.DeleteAsync();
        Assert.False(Directory.Exists(server.Home));
    }

    [Fact]
    public async Task ConcurrentStarts_OnAFreshHome_ShareOneServer()
    {
        var home = NewTemporaryHome();
        var first = new LocalPostgresServer(home);
        try
        {
            var results = await Task.WhenAll(
                Task.Run(() => first.StartAsync()),
                Task.Run(() => new LocalPostgresServer(home).StartAsync()));

            Assert.Equal(results[0], results[1]);
            Assert.Single(PostmasterPidsFor(Path.Combine(home, "pgdata")));
            await using var connection = await OpenAsync(results[0]);
            Assert.Equal(1, await Scalar<int>(connection, "SELECT 1"));
        }
        finally
        {
            await first.DeleteAsync();
        }

        Assert.False(Directory.Exists(home));
        Assert.Empty(PostmasterPidsFor(Path.Combine(home, "pgdata")));
    }

    private static async Task<T> Scalar<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Unpooled, because these tests stop and restart the server under the same connection string.</summary>
    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 5 };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static async Task OpenOnce(string connectionString)
    {
        await using var connection = await OpenAsync(connectionString);
    }

    private static async Task<string> DataDirectory(LocalPostgresServer server) => (await server.GetStatusAsync()).DataDirectory;

    private static int ReadPostmasterPid(LocalPostgresServer server) =>
        int.Parse(File.ReadLines(Path.Combine(server.Home, "pgdata", "postmaster.pid")).First(), CultureInfo.InvariantCulture);

    /// <summary>Process ids of postmasters (not their children, which rename themselves) started with <c>-D dataDirectory</c>.</summary>
    private static List<int> PostmasterPidsFor(string dataDirectory)
    {
        var pids = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string[] argv;
            try
            {
                argv = File.ReadAllText(Path.Combine(entry, "cmdline")).Split('\0');
            }
            catch (IOException)
            {
                continue; // exited while we looked
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            var dataIndex = Array.IndexOf(argv, "-D");
            if (Path.GetFileName(argv[0]) == "postgres" && dataIndex >= 0 && dataIndex + 1 < argv.Length && argv[dataIndex + 1] == dataDirectory)
            {
                pids.Add(pid);
            }
        }

        return pids;
    }
}
