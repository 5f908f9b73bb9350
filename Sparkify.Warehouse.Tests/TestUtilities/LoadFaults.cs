using Npgsql;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Loading.Transform;

namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>
/// Puts a running load into a known state from outside, so fault tests strike at an exact point
/// instead of racing a timer: find the load's backend in <c>pg_stat_activity</c> by the
/// <c>Application Name</c> its connection string carries, wait until it runs (or waits in) a given
/// statement, then terminate it or let it go.
/// </summary>
internal static class LoadFaults
{
    /// <summary><paramref name="connectionString"/> with an application name that identifies the load's sessions.</summary>
    public static string Tagged(string connectionString, string applicationName)
        => new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = applicationName }.ConnectionString;

    /// <summary>
    /// Waits until a session named <paramref name="applicationName"/> is running a statement that
    /// contains <paramref name="statement"/> (and, with <paramref name="blockedOnLock"/>, is waiting for a
    /// lock); returns its backend pid.
    /// </summary>
    public static async Task<int> WaitForStatementAsync(string connectionString, string applicationName, string statement, bool blockedOnLock = false, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        await using var connection = new NpgsqlConnection(Tagged(connectionString, "sparkify-test-observer"));
        await connection.OpenAsync(cts.Token);
        await using var command = new NpgsqlCommand(
            """
            SELECT pid FROM pg_stat_activity
            WHERE application_name = @app AND state = 'active' AND strpos(query, @statement) > 0
              AND (NOT @blocked OR wait_event_type = 'Lock')
            LIMIT 1
            """, connection);
        command.Parameters.AddWithValue("app", applicationName);
        command.Parameters.AddWithValue("statement", statement);
        command.Parameters.AddWithValue("blocked", blockedOnLock);
        while (true)
        {
            if (await command.ExecuteScalarAsync(cts.Token) is int pid)
            {
                return pid;
            }

            await Task.Delay(20, cts.Token);
        }
    }

    /// <summary>What an operator's <c>pg_terminate_backend</c> does: the session ends at once, its transaction rolls back.</summary>
    public static async Task TerminateAsync(string connectionString, int pid)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_terminate_backend(@pid)", connection);
        command.Parameters.AddWithValue("pid", pid);
        Assert.Equal(true, await command.ExecuteScalarAsync());
    }

    /// <summary>
    /// Holds <c>LOCK TABLE "time" IN EXCLUSIVE MODE</c> until disposed: readers go on, but a load blocks
    /// at its last transform step, the statement that inserts plays and their time rows together, after
    /// it has already written users, songs and artists inside its transaction.
    /// </summary>
    public static async Task<TableLock> LockTimeTableAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using (var command = new NpgsqlCommand("LOCK TABLE \"time\" IN EXCLUSIVE MODE", connection, transaction))
        {
            await command.ExecuteNonQueryAsync();
        }

        return new TableLock(connection, transaction);
    }

    /// <summary>
    /// The start of the statement a load blocked by <see cref="LockTimeTableAsync"/> waits in (its start,
    /// because pg_stat_activity keeps only a statement's first kilobyte).
    /// </summary>
    public const string TimeInsert = StarSchemaTransform.PlaysAndTimeStatementStart;

    /// <summary>The failed run's error (without the retry note) when its session was terminated.</summary>
    public const string TerminatedReason = "terminating connection due to administrator command";

    /// <summary>
    /// Starts a loader on a task and returns once it is blocked at its last transform step, behind
    /// the lock <see cref="LockTimeTableAsync"/> holds; its backend pid is returned with the task.
    /// </summary>
    public static async Task<(Task<LoadResult> Load, int Pid)> StartBlockedLoadAsync(string connectionString, string applicationName, WarehouseLoader loader, LoadRequest request)
    {
        var load = Task.Run(() => loader.LoadAsync(request));
        var waiting = WaitForStatementAsync(connectionString, applicationName, TimeInsert, blockedOnLock: true);
        if (await Task.WhenAny(load, waiting) == load)
        {
            await load;
            throw new InvalidOperationException("The load finished without blocking at the time table.");
        }

        return (load, await waiting);
    }
}

/// <summary>An open transaction holding a table lock; disposing rolls it back and releases the lock.</summary>
internal sealed class TableLock(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        try
        {
            await transaction.RollbackAsync();
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException or ObjectDisposedException)
        {
            // The server went away (a test stopped it); the lock went with it.
        }

        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}
