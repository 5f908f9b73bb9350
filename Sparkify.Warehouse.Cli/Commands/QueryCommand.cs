using System.CommandLine;
using System.Globalization;
using Sparkify.Warehouse.Cli.Output;
using Sparkify.Warehouse.Cli.Queries;
using Sparkify.Warehouse.Queries;

namespace Sparkify.Warehouse.Cli.Commands;

/// <summary><c>sparkify query NAME</c>: the analyst queries (README "Analyst queries") as a table, CSV, JSON or a bar chart.</summary>
internal static class QueryCommand
{
    // ISO-8601 only: a bare date means midnight UTC, a time without offset is UTC, an offset is honoured.
    private static readonly string[] TimeFormats =
    [
        "yyyy-MM-dd",
        "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
        "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF",
    ];

    private const string TimeHelp = "YYYY-MM-DD or an ISO-8601 time such as 2018-11-01T21:00:00Z (UTC unless an offset is given)";

    public static Command Create(CliContext cli)
    {
        var name = new Argument<string?>("name")
        {
            Description = "The query:\n" + string.Join("\n", AnalystQueryCatalog.All.Select(q => $"  {q.Name,-20}{q.Description}")),
            Arity = ArgumentArity.ZeroOrOne,
        };
        var from = new Option<string?>("--from") { Description = "Only plays with start_time at or after this instant: " + TimeHelp + "." };
        var to = new Option<string?>("--to") { Description = "Only plays with start_time before this instant (exclusive): " + TimeHelp + "." };
        var level = new Option<string?>("--level") { Description = "Only plays at this level at play time: free or paid." };
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
            var connectionString = await connections.ResolveAsync(chosen, parseResult.GetValue(connection), cancellationToken).ConfigureAwait(false);
            await using var context = WarehouseConnections.CreateContext(connectionString, chosen);
            var plays = context.SongPlays.Between(arguments.From, arguments.To);
            if (arguments.Level is { } chosenLevel)
            {
                plays = plays.ForLevel(chosenLevel);
            }

            var rows = await query.Run(plays, arguments, cancellationToken).ConfigureAwait(false);
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
        var from = ParseTime("--from", fromText);
        var to = ParseTime("--to", toText);
        if (from is { } f && to is { } t && f >= t)
        {
            throw new UsageException($"--from ({f.ToString(QueryResultWriter.TimestampFormat, CultureInfo.InvariantCulture)}) must be before --to ({t.ToString(QueryResultWriter.TimestampFormat, CultureInfo.InvariantCulture)}); --to is exclusive.");
        }

        var level = levelText?.ToLowerInvariant() switch
        {
            null => null,
            "free" => "free",
            "paid" => "paid",
            _ => throw new UsageException($"Unknown level '{levelText}'. Accepted: free, paid."),
        };

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

        return new QueryArguments(from, to, level, limit, userId);
    }

    private static DateTime? ParseTime(string option, string? text)
    {
        if (text is null)
        {
            return null;
        }

        return DateTime.TryParseExact(text.Trim(), TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : throw new UsageException($"{option} '{text}' is not a date or time. Use {TimeHelp}.");
    }
}
