using System.CommandLine;
using Sparkify.Warehouse.Cli.Benchmarks;
using Sparkify.Warehouse.LocalServer;

namespace Sparkify.Warehouse.Cli.Commands;

/// <summary>
/// <c>sparkify bench</c>: measures the load against the reference pipeline and its floors on generated
/// data (cached under <c>SPARKIFY_HOME/bench-cache</c>), each measurement on a fresh database.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(CliContext cli)
    {
        var events = new Option<int>("--events") { Description = "Events in the month the full load reads (one more day is generated for the incremental load).", DefaultValueFactory = _ => 1_000_000 };
        var songs = new Option<int>("--songs") { Description = "Song files (one song each).", DefaultValueFactory = _ => 20_000 };
        var seed = new Option<long>("--seed") { Description = "Seed of the generated data.", DefaultValueFactory = _ => 42 };
        var runs = new Option<int>("--runs") { Description = "Paired runs of the load and the reference pipeline; the median of each is reported.", DefaultValueFactory = _ => 1 };
        var efRows = new Option<int>("--ef-rows") { Description = "Rows in the EF Core SaveChanges sample.", DefaultValueFactory = _ => 20_000 };
        var only = new Option<string[]>("--only")
        {
            Description = $"Run only these measurements (comma-separated): {string.Join(", ", BenchMeasurements.All)}.",
            AllowMultipleArgumentsPerToken = true,
        };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON (for tracking) instead of a table." };
        var connection = new Option<string?>("--connection")
        {
            Description = "Npgsql connection string of a PostgreSQL server whose user may create databases (default: the embedded local server). Each measurement creates and drops its own sparkify_bench_* database.",
        };
        var defaultServer = new Option<bool>("--default-server")
        {
            Description = "Also run every measurement on a second local cluster configured exactly as initdb leaves it (under SPARKIFY_HOME/bench-default-server, stopped afterwards), and print its table after the first.",
        };
        foreach (var option in new[] { events, songs, runs, efRows })
        {
            option.Validators.Add(result =>
            {
                if (result.GetValueOrDefault<int>() < 1)
                {
                    result.AddError($"{result.Option.Name} must be at least 1.");
                }
            });
        }

        only.Validators.Add(result =>
        {
            foreach (var name in Split(result.GetValueOrDefault<string[]>() ?? []))
            {
                if (!BenchMeasurements.All.Contains(name))
                {
                    result.AddError($"Unknown measurement '{name}'. Known: {string.Join(", ", BenchMeasurements.All)}.");
                }
            }
        });

        var command = new Command("bench", "Benchmark the load on generated data: the full load against a CSV \\copy + plain SQL reference, the parse and ingest floors, the transform, one more day, many small files, EF Core SaveChanges and peak memory.")
        {
            events, songs, seed, runs, efRows, only, json, connection, defaultServer,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var server = await new WarehouseConnections(cli).ResolveAsync(WarehouseProvider.Postgres, parseResult.GetValue(connection), cancellationToken).ConfigureAwait(false);
            var settings = new BenchSettings(
                parseResult.GetValue(events),
                parseResult.GetValue(songs),
                parseResult.GetValue(seed),
                parseResult.GetValue(runs),
                parseResult.GetValue(efRows),
                Split(parseResult.GetValue(only) ?? []).ToHashSet(StringComparer.Ordinal),
                Path.Combine(LocalPostgresServer.DefaultHome, "bench-cache"));

            // Progress goes to stderr so that --json output stays machine-readable.
            var serverName = parseResult.GetValue(connection) is null ? "embedded (initdb defaults + max_wal_size=2GB, checkpoint_timeout=30min)" : "given by --connection";
            var reports = new List<BenchReport> { await new WarehouseBenchmark(settings, server, serverName, cli.Error).RunAsync(cancellationToken).ConfigureAwait(false) };
            if (parseResult.GetValue(defaultServer))
            {
                var defaults = new LocalPostgresServer(Path.Combine(LocalPostgresServer.DefaultHome, "bench-default-server")) { BulkLoadSettings = false };
                try
                {
                    var defaultsConnection = await defaults.StartAsync(cancellationToken).ConfigureAwait(false);
                    reports.Add(await new WarehouseBenchmark(settings, defaultsConnection, "a second cluster with initdb defaults", cli.Error).RunAsync(cancellationToken).ConfigureAwait(false));
                }
                finally
                {
                    await defaults.StopAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }

            if (parseResult.GetValue(json))
            {
                await cli.Out.WriteLineAsync(reports.Count == 1 ? reports[0].ToJson() : BenchReport.ToJson(reports)).ConfigureAwait(false);
            }
            else
            {
                for (var i = 0; i < reports.Count; i++)
                {
                    if (i > 0)
                    {
                        await cli.Out.WriteLineAsync().ConfigureAwait(false);
                    }

                    await reports[i].WriteTableAsync(cli.Out).ConfigureAwait(false);
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static IEnumerable<string> Split(IEnumerable<string> values)
        => values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Select(v => v.ToLowerInvariant());
}
