using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Sparkify.Warehouse.Cli.Commands;

internal static class MigrateCommand
{
    public static Command Create(CliContext cli)
    {
        var provider = CommonOptions.Provider();
        var connection = CommonOptions.Connection();
        var script = new Option<bool>("--script") { Description = "Print the migrations' SQL instead of applying it (no database needed)." };
        var target = new Option<string?>("--target") { Description = "Migrate up or down to this migration ('0' removes every table)." };
        var from = new Option<string?>("--from") { Description = "With --script: start after this migration." };

        var command = new Command("migrate", "Create or update the warehouse tables (EF Core migrations).") { provider, connection, script, target, from };
        // --provider and --connection reach the context through configuration (see CliConfiguration).
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var connections = new WarehouseConnections(cli);
            if (parseResult.GetValue(script))
            {
                // Scripting opens no connection, so no embedded server is started and none is needed.
                await using var scriptContext = connections.CreateOfflineContext();
                var migrator = scriptContext.GetService<IMigrator>();
                var sql = migrator.GenerateScript(parseResult.GetValue(from), parseResult.GetValue(target), MigrationsSqlGenerationOptions.Default);
                await cli.Out.WriteAsync(sql).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            await using var context = await connections.CreateContextAsync(cancellationToken).ConfigureAwait(false);
            var chosen = connections.ResolveProvider(null);
            var pending = (await context.Database.GetPendingMigrationsAsync(cancellationToken).ConfigureAwait(false)).ToList();
            await context.GetService<IMigrator>().MigrateAsync(parseResult.GetValue(target), cancellationToken).ConfigureAwait(false);
            var logger = cli.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Sparkify.Migrate");
            logger.LogInformation("Applied {Count} migration(s) on {Provider}", pending.Count, chosen);
            await cli.Out.WriteLineAsync(parseResult.GetValue(target) is { } t
                ? $"Migrated {chosen} warehouse to '{t}'."
                : pending.Count == 0 ? $"{chosen} warehouse is up to date." : $"Applied {pending.Count} migration(s): {string.Join(", ", pending)}.").ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
