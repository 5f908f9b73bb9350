using System.CommandLine;
using Sparkify.Warehouse.Cli.Queries;
using Sparkify.Warehouse.Reporting;

namespace Sparkify.Warehouse.Cli.Commands;

/// <summary><c>sparkify report --out FILE</c>: the analyst report as one self-contained HTML page.</summary>
internal static class ReportCommand
{
    public static Command Create(CliContext cli)
    {
        var output = new Option<string?>("--out") { Description = "The HTML file to write (replaced if it exists; written in full or not at all).", HelpName = "FILE" };
        var from = CommonOptions.From();
        var to = CommonOptions.To();
        var level = CommonOptions.Level();
        var title = new Option<string?>("--title") { Description = $"The page's title (default \"{ReportOptions.DefaultTitle}\")." };
        var provider = CommonOptions.Provider();
        var connection = CommonOptions.Connection();

        var command = new Command("report", "Write the analyst report: one self-contained HTML page of headline numbers, charts and tables, with the recent loads and their rejects.")
        {
            output, from, to, level, title, provider, connection,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            // Everything is validated before a connection is made, so a typo never starts a server.
            var target = ParseTarget(parseResult.GetValue(output));
            var filters = PlayFilterArguments.Parse(parseResult.GetValue(from), parseResult.GetValue(to), parseResult.GetValue(level));
            var options = new ReportOptions { From = filters.From, To = filters.To, Level = filters.Level, Title = parseResult.GetValue(title) };

            var connections = new WarehouseConnections(cli);
            var chosen = connections.ResolveProvider(parseResult.GetValue(provider));
            await using var context = await connections.OpenContextAsync(chosen, parseResult.GetValue(connection), cancellationToken).ConfigureAwait(false);
            await WriteFileAsync(context, target, options, cancellationToken).ConfigureAwait(false);
            await cli.Out.WriteLineAsync($"Report written to {target}").ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// Writes the report to a temporary file beside <paramref name="target"/> and moves it into place,
    /// so a report that fails half way leaves no partial file and an older report stays intact.
    /// </summary>
    internal static async Task WriteFileAsync(WarehouseDbContext context, string target, ReportOptions options, CancellationToken cancellationToken)
    {
        var temporary = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            await using (file.ConfigureAwait(false))
            {
                await WarehouseReport.WriteHtmlAsync(context, file, options, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporary, target, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static string ParseTarget(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new UsageException("Name the file to write: sparkify report --out report.html");
        }

        string target;
        try
        {
            target = Path.GetFullPath(text);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new UsageException($"--out '{text}' is not a usable file path.");
        }

        if (Directory.Exists(target))
        {
            throw new UsageException($"--out '{text}' is a folder; name the file to write, e.g. --out {Path.Combine(text, "report.html")}");
        }

        var folder = Path.GetDirectoryName(target);
        if (folder is null || !Directory.Exists(folder))
        {
            throw new UsageException($"The folder of --out '{text}' does not exist: {folder}");
        }

        return target;
    }
}
