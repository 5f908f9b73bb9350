using System.CommandLine;

namespace Sparkify.Warehouse.Cli.Commands;

/// <summary><c>sparkify db start|stop|status</c>: the embedded local PostgreSQL server.</summary>
internal static class DbCommand
{
    public static Command Create(CliContext cli)
    {
        var start = new Command("start", "Start the embedded PostgreSQL server (or reuse the running one) and print where it listens.");
        start.SetAction(async (_, cancellationToken) =>
        {
            var server = new WarehouseConnections(cli).CreateLocalServer();
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
            var status = await server.GetStatusAsync(cancellationToken).ConfigureAwait(false);
            await cli.Out.WriteLineAsync($"Embedded PostgreSQL is running on 127.0.0.1:{status.Port} (data: {status.DataDirectory}).").ConfigureAwait(false);
            return ExitCodes.Success;
        });

        var stop = new Command("stop", "Stop the embedded PostgreSQL server.");
        stop.SetAction(async (_, cancellationToken) =>
        {
            await new WarehouseConnections(cli).CreateLocalServer().StopAsync(cancellationToken).ConfigureAwait(false);
            await cli.Out.WriteLineAsync("Embedded PostgreSQL is stopped.").ConfigureAwait(false);
            return ExitCodes.Success;
        });

        var status = new Command("status", "Say whether the embedded PostgreSQL server is running (exit code 1 when it is not).");
        status.SetAction(async (_, cancellationToken) =>
        {
            var current = await new WarehouseConnections(cli).CreateLocalServer().GetStatusAsync(cancellationToken).ConfigureAwait(false);
            await cli.Out.WriteLineAsync(current.IsRunning
                ? $"running on 127.0.0.1:{current.Port} (data: {current.DataDirectory})"
                : $"not running (data: {current.DataDirectory})").ConfigureAwait(false);
            return current.IsRunning ? ExitCodes.Success : ExitCodes.Failure;
        });

        return new Command("db", "Manage the embedded local PostgreSQL server (under SPARKIFY_HOME, default ~/.sparkify).") { start, stop, status };
    }
}
