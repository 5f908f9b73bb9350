using System.CommandLine;
using Sparkify.Warehouse.Checks;

namespace Sparkify.Warehouse.Cli.Commands;

/// <summary><c>sparkify check</c>: runs <see cref="WarehouseChecks"/> and prints each result; exit code 1 if any failed.</summary>
internal static class CheckCommand
{
    public static Command Create(CliContext cli)
    {
        var provider = CommonOptions.Provider();
        var connection = CommonOptions.Connection();
        var command = new Command(
            "check",
            "Check the warehouse's data: no NULL keys, every songplay's dimension rows exist, no duplicate keys, and star and staging "
            + "tables consistent with the last successful load. Exit code 1 if any check fails.")
        {
            provider,
            connection,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var connections = new WarehouseConnections(cli);
            var chosen = connections.ResolveProvider(parseResult.GetValue(provider));
            await using var context = await connections.OpenContextAsync(chosen, parseResult.GetValue(connection), cancellationToken).ConfigureAwait(false);

            var results = await WarehouseChecks.RunAsync(context, cancellationToken).ConfigureAwait(false);

            var width = results.Max(r => r.Name.Length);
            foreach (var result in results)
            {
                var status = result.Status switch
                {
                    CheckStatus.Passed => "PASS",
                    CheckStatus.Failed => "FAIL",
                    _ => "SKIP",
                };
                await cli.Out.WriteLineAsync($"{status}  {result.Name.PadRight(width)}  {result.Description}").ConfigureAwait(false);
                await cli.Out.WriteLineAsync($"{new string(' ', width + 8)}{result.Detail}").ConfigureAwait(false);
            }

            var failed = results.Count(r => r.Status == CheckStatus.Failed);
            var passed = results.Count(r => r.Status == CheckStatus.Passed);
            var skipped = results.Count(r => r.Status == CheckStatus.Skipped);
            await cli.Out.WriteLineAsync($"{passed} passed, {failed} failed, {skipped} skipped.").ConfigureAwait(false);
            return failed == 0 ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }
}
