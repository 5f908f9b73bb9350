using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Sparkify.Warehouse.LocalServer;

// Choosing a free loopback port, waiting for the server to accept connections, creating databases.
public sealed partial class LocalPostgresServer
{
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

            // The server listens on loopback only and has no TLS or Kerberos set up: asking for SSL or GSS
            // encryption first would cost a refused round trip each, and loading the Kerberos libraries,
            // on every new connection.
            SslMode = SslMode.Disable,
            GssEncryptionMode = GssEncryptionMode.Disable,
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
}
