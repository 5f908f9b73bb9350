using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sparkify.Warehouse.Cli.Output;
using Sparkify.Warehouse.Cli.Queries;
using Sparkify.Warehouse.Generation;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Reporting;

namespace Sparkify.Warehouse.Cli.Commands;

/// <summary>
/// <c>sparkify demo</c>: the main job end to end on the embedded default — start the local server,
/// migrate, generate a small dataset, load it, print a few analyst answers and write the analyst report.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The embedded server's database for the demo, so a demo never touches the default warehouse.</summary>
    internal const string DemoDatabase = "sparkify_demo";

    /// <summary>The demo's report, in the embedded server's home folder beside the generated data.</summary>
    internal const string ReportFile = "demo-report.html";

    private static readonly (string Query, bool Chart)[] Answers =
    [
        ("top-songs", false), ("top-artists", false), ("level-comparison", false), ("plays-by-hour", true),
    ];

    public static Command Create(CliContext cli)
    {
        var songs = new Option<int>("--songs") { Description = "Song files to generate.", DefaultValueFactory = _ => 500 };
        var events = new Option<int>("--events") { Description = "Events to generate.", DefaultValueFactory = _ => 20_000 };
        var seed = new Option<int>("--seed") { Description = "Random seed of the generated data.", DefaultValueFactory = _ => 42 };
        var connection = CommonOptions.Connection();
        connection.Description = "Run the demo on this PostgreSQL database instead of the embedded server's sparkify_demo database.";

        var command = new Command("demo", "Start the embedded PostgreSQL, migrate, generate a small dataset, load it, print a few analyst answers and write the HTML report.")
        {
            songs, events, seed, connection,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var (songCount, eventCount) = (parseResult.GetValue(songs), parseResult.GetValue(events));
            if (songCount is < 1 or > 100_000 || eventCount is < 1 or > 5_000_000)
            {
                throw new UsageException("demo sizes: --songs between 1 and 100000, --events between 1 and 5000000.");
            }

            var connections = new WarehouseConnections(cli);
            var server = connections.CreateLocalServer();
            var connectionString = connections.FindConfigured(parseResult.GetValue(connection))
                ?? await server.CreateDatabaseAsync(DemoDatabase, cancellationToken).ConfigureAwait(false);
            await cli.Out.WriteLineAsync(parseResult.GetValue(connection) is null && connections.FindConfigured(null) is null
                ? $"Warehouse: embedded PostgreSQL, database {DemoDatabase} (data in {server.Home})."
                : "Warehouse: the configured PostgreSQL database.").ConfigureAwait(false);

            await using (var context = WarehouseConnections.CreateContext(connectionString, WarehouseProvider.Postgres))
            {
                await context.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
            }

            var dataset = await SparkifyDataGenerator.GenerateAsync(new GenerationOptions
            {
                OutputDirectory = Path.Combine(server.Home, "demo-data"),
                Songs = songCount,
                Events = eventCount,
                Seed = parseResult.GetValue(seed),
                ReplaceExisting = true,
            }, cancellationToken).ConfigureAwait(false);
            await cli.Out.WriteLineAsync($"Generated {dataset.SongFiles:N0} song files and {dataset.Events:N0} events in {dataset.OutputDirectory}.").ConfigureAwait(false);

            var options = connections.CreateOptions();
            options.Provider = WarehouseProvider.Postgres;
            options.ConnectionString = connectionString;
            var logger = cli.Services.GetRequiredService<ILoggerFactory>().CreateLogger<WarehouseLoader>();
            var request = new LoadRequest { SongsSource = dataset.SongDataDirectory, EventsSource = dataset.LogDataDirectory, JsonPathsSource = dataset.JsonPathsFile };
            var result = await LoadCommand.RunWithProgressAsync(cli, new WarehouseLoader(options, logger), request, logger, cancellationToken).ConfigureAwait(false);
            LoadCommand.WriteSummary(cli, result);

            await using var queries = WarehouseConnections.CreateContext(connectionString, WarehouseProvider.Postgres);
            foreach (var (name, chart) in Answers)
            {
                var query = AnalystQueryCatalog.Find(name) ?? throw new InvalidOperationException($"Unknown query {name}.");
                var rows = await query.Run(queries.SongPlays, new QueryArguments(null, null, null, 5, null), cancellationToken).ConfigureAwait(false);
                var answer = new QueryResult(query.Name, query.Fields, rows);
                await cli.Out.WriteLineAsync().ConfigureAwait(false);
                await cli.Out.WriteLineAsync($"{query.Name}: {query.Description}").ConfigureAwait(false);
                if (chart && query.Chart is { } spec)
                {
                    QueryResultWriter.WriteChart(answer, spec, cli.Out);
                }
                else
                {
                    QueryResultWriter.WriteTable(answer, cli.Out);
                }
            }

            // The same answers and more as one page to look at or pass on.
            var report = Path.Combine(server.Home, ReportFile);
            await ReportCommand.WriteFileAsync(queries, report, new ReportOptions { Title = "Sparkify demo report" }, cancellationToken).ConfigureAwait(false);
            await cli.Out.WriteLineAsync().ConfigureAwait(false);
            await cli.Out.WriteLineAsync($"Report: {report}").ConfigureAwait(false);

            await cli.Out.WriteLineAsync().ConfigureAwait(false);
            await cli.Out.WriteLineAsync("Try: sparkify query --help   (add --connection to point at the demo database, or load your own data with sparkify load)").ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
