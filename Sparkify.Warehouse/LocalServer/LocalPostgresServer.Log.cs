using Microsoft.Extensions.Logging;

namespace Sparkify.Warehouse.LocalServer;

// Log messages, generated at compile time.
public sealed partial class LocalPostgresServer
{
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
