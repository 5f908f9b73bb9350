namespace Sparkify.Warehouse.LocalServer;

/// <summary>The state of a <see cref="LocalPostgresServer"/> as seen by <see cref="LocalPostgresServer.GetStatusAsync"/>.</summary>
/// <param name="IsRunning">Whether a server process is running for the home's data directory.</param>
/// <param name="Port">The loopback TCP port the running server listens on; <see langword="null"/> when it is not running.</param>
/// <param name="DataDirectory">The absolute path of the PostgreSQL data directory (cluster), whether or not it exists yet.</param>
public sealed record LocalPostgresStatus(bool IsRunning, int? Port, string DataDirectory);
