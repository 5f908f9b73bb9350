using System.CommandLine;
using System.Globalization;
using Sparkify.Warehouse.Cli.Output;
using Sparkify.Warehouse.Cli.Queries;
using Sparkify.Warehouse.Queries;

namespace Sparkify.Warehouse.Cli.Commands;

/// <summary><c>sparkify query NAME</c>: the analyst queries (README "Analyst queries") as a table, CSV, JSON or a bar chart.</summary>
internal static class QueryCommand
{
    public static Command Create(CliContext cli)
    {
        var name = new Argument<string?>("name")
        {
            Description = "The query:\n" + string.Join("\n", AnalystQueryCatalog.All.Select(q => $"  {q.Name,-20}{q.Description}")),
            Arity = ArgumentArity.ZeroOrOne,
        };
        var from = CommonOptions.From();
        var to = CommonOptions.To();
        var level = CommonOptions.Level();
        var limit = new Option<string?>("--limit") { Description = $"Rows of the top-* queries (default {SongPlayQueries.DefaultLimit})." };
        var userId = new Option<string?>("--user-id") { Description = "The user of user-history." };
        var format = new Option<string?>("--format") { Description = "Output: table (default), csv or json." };
        var chart = new Option<bool>("--chart") { Description = "Draw a bar chart instead of the table (plays-by-hour, plays-by-weekday, top-*)." };
        var provider = CommonOptions.Provider();
        var connection = CommonOptions.Connection();

        var command = new Command("query", "Run an analyst query on the star schema and print it as a table, CSV, JSON or a bar chart.") { name, from, to, level, limit, userId, format, chart, provider, connection };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            // Everything is validated before a connection is made, so a typo never starts a server.
            var query = ParseQuery(parseResult.GetValue(name));
            var outputFormat = ParseFormat(parseResult.GetValue(format));
            var arguments = ParseArguments(
                query,
                parseResult.GetValue(from),
                parseResult.GetValue(to),
                parseResult.GetValue(level),
                parseResult.GetValue(limit),
                parseResult.GetValue(userId));
            var drawChart = parseResult.GetValue(chart);
            if (drawChart && query.Chart is null)
            {
                throw new UsageException($"--chart is not available for {query.Name}; it is for {string.Join(", ", AnalystQueryCatalog.All.Where(q => q.Chart is not null).Select(q => q.Name))}.");
            }

            if (drawChart && outputFormat != QueryFormat.Table)
            {
                throw new UsageException("--chart draws in the terminal; use it without --format csv/json.");
            }

            var connections = new WarehouseConnections(cli);
            var chosen = connections.ResolveProvider(parseResult.GetValue(provider));
            // PostgreSQL's translations are stored with the tool (no EF Core context or LINQ translation in a short
            // process); Redshift's model and translations are built at run time, next to its network round trips.
            IReadOnlyList<object?[]> rows;
            if (chosen == WarehouseProvider.Postgres)
            {
                var connectionString = await connections.ResolveConnectionAsync(chosen, parseResult.GetValue(connection), cancellationToken).ConfigureAwait(false);
                rows = await AnalystQueryTranslations.RunAsync(connectionString, query, arguments, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await using var context = await connections.OpenContextAsync(chosen, parseResult.GetValue(connection), cancellationToken).ConfigureAwait(false);
                rows = await query.Run(AnalystQueryCatalog.Filter(context.SongPlays, arguments), arguments, cancellationToken).ConfigureAwait(false);
            }

            var result = new QueryResult(query.Name, query.Fields, rows);
            switch (outputFormat)
            {
                case QueryFormat.Json:
                    await QueryResultWriter.WriteJsonAsync(result, cli.Out, cancellationToken).ConfigureAwait(false);
                    break;
                case QueryFormat.Csv:
                    await QueryResultWriter.WriteCsvAsync(result, cli.Out, cancellationToken).ConfigureAwait(false);
                    break;
                case QueryFormat.Table when drawChart:
                    QueryResultWriter.WriteChart(result, query.Chart!, cli.Out);
                    break;
                default:
                    QueryResultWriter.WriteTable(result, cli.Out);
                    break;
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static AnalystQuery ParseQuery(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new UsageException("Name a query: " + AnalystQueryCatalog.Names + ".");
        }

        return AnalystQueryCatalog.Find(name)
            ?? throw new UsageException($"Unknown query '{name}'. Accepted: {AnalystQueryCatalog.Names}.");
    }

    private static QueryFormat ParseFormat(string? text) => text?.ToLowerInvariant() switch
    {
        null or "table" => QueryFormat.Table,
        "csv" => QueryFormat.Csv,
        "json" => QueryFormat.Json,
        _ => throw new UsageException($"Unknown format '{text}'. Accepted: table, csv, json."),
    };

    private static QueryArguments ParseArguments(AnalystQuery query, string? fromText, string? toText, string? levelText, string? limitText, string? userIdText)
    {
        var filters = PlayFilterArguments.Parse(fromText, toText, levelText);
        var topQueries = string.Join(", ", AnalystQueryCatalog.All.Where(q => q.UsesLimit).Select(q => q.Name));
        var limit = SongPlayQueries.DefaultLimit;
        if (limitText is not null)
        {
            if (!query.UsesLimit)
            {
                throw new UsageException($"--limit applies only to {topQueries}.");
            }

            if (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1)
            {
                throw new UsageException($"--limit '{limitText}' is not a whole number from 1 to {int.MaxValue}.");
            }
        }

        int? userId = null;
        if (userIdText is not null)
        {
            if (!query.NeedsUserId)
            {
                throw new UsageException("--user-id applies only to user-history.");
            }

            userId = int.TryParse(userIdText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id)
                ? id
                : throw new UsageException($"--user-id '{userIdText}' is not a whole number (user ids are integers, e.g. --user-id 15).");
        }
        else if (query.NeedsUserId)
        {
            throw new UsageException($"{query.Name} needs --user-id N, e.g. sparkify query {query.Name} --user-id 15.");
        }

        return new QueryArguments(filters.From, filters.To, filters.Level, limit, userId);
    }
}
