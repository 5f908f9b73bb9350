using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sparkify.Warehouse.Cli.Configuration;
using Sparkify.Warehouse.Preflight;

namespace Sparkify.Warehouse.Cli.Commands;

/// <summary><c>sparkify doctor</c>: runs <see cref="WarehousePreflight"/> and prints each check; exit code 1 if any failed.</summary>
internal static class DoctorCommand
{
    public static Command Create(CliContext cli)
    {
        var songs = CommonOptions.Songs();
        var events = CommonOptions.Events();
        var jsonPaths = CommonOptions.JsonPaths();
        var format = new Option<string?>("--format") { Description = "Output: table (default) or json.", HelpName = "table|json" };
        var provider = CommonOptions.Provider();
        var connection = CommonOptions.Connection();
        var iamRole = CommonOptions.IamRole();
        var s3Endpoint = CommonOptions.S3Endpoint();
        var s3Region = CommonOptions.S3Region();

        // Provider, connection, IAM role and S3 reach the checks through configuration, as for load.
        var command = new Command(
            "doctor",
            "Check, before a load, that it can work: connection (TLS on Redshift), server kind, migrations, the user's privileges, the sources, "
            + "the JSONPaths file and the IAM role. Writes nothing. Exit code 1 if any check fails.")
        {
            songs, events, jsonPaths, format, provider, connection, iamRole, s3Endpoint, s3Region,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var json = parseResult.GetValue(format)?.ToLowerInvariant() switch
            {
                null or "table" => false,
                "json" => true,
                var other => throw new UsageException($"Unknown format '{other}'. Accepted: table, json."),
            };
            var request = new PreflightRequest
            {
                SongsSource = CommonOptions.Configured(cli, parseResult.GetValue(songs), CliConfiguration.LoadSongsKey),
                EventsSource = CommonOptions.Configured(cli, parseResult.GetValue(events), CliConfiguration.LoadEventsKey),
                JsonPathsSource = CommonOptions.Configured(cli, parseResult.GetValue(jsonPaths), CliConfiguration.LoadJsonPathsKey),
            };

            var connections = new WarehouseConnections(cli);
            var options = connections.CreateOptions();
            if (connections.FindConfigured(null) is null && options.Provider == WarehouseProvider.Postgres)
            {
                // As for every other command: PostgreSQL without a connection means the embedded server.
                // Redshift without one is left to the connection check, so the other checks still run.
                options.ConnectionString = await connections.ResolveAsync(options.Provider, null, cancellationToken).ConfigureAwait(false);
            }

            var report = await WarehousePreflight.RunAsync(options, request, cancellationToken).ConfigureAwait(false);
            if (json)
            {
                await WriteJsonAsync(report, cli.Out).ConfigureAwait(false);
            }
            else
            {
                await WriteTableAsync(report, cli.Out).ConfigureAwait(false);
            }

            return report.Passed ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    /// <summary>The lowercase status word the table and the JSON both use.</summary>
    internal static string StatusText(PreflightStatus status) => status switch
    {
        PreflightStatus.Pass => "pass",
        PreflightStatus.Fail => "fail",
        _ => "skip",
    };

    private static async Task WriteTableAsync(PreflightReport report, TextWriter output)
    {
        var width = report.Checks.Max(c => c.Name.Length);
        foreach (var check in report.Checks)
        {
            await output.WriteLineAsync($"{StatusText(check.Status).ToUpperInvariant()}  {check.Name.PadRight(width)}  {check.Detail}").ConfigureAwait(false);
            if (check.Fix is { } fix)
            {
                await output.WriteLineAsync($"{new string(' ', width + 8)}fix: {fix}").ConfigureAwait(false);
            }
        }

        int Count(PreflightStatus status) => report.Checks.Count(c => c.Status == status);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{Count(PreflightStatus.Pass)} passed, {Count(PreflightStatus.Fail)} failed, {Count(PreflightStatus.Skip)} skipped.")).ConfigureAwait(false);
    }

    /// <summary><c>{"passed": bool, "checks": [{"name", "status": "pass|fail|skip", "detail", "fix"}]}</c>, fix null when passed.</summary>
    private static async Task WriteJsonAsync(PreflightReport report, TextWriter output)
    {
        using var buffer = new MemoryStream();
        // Relaxed escaping keeps paths and arrows readable; the output is data, never embedded in HTML.
        await using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("passed", report.Passed);
            writer.WriteStartArray("checks");
            foreach (var check in report.Checks)
            {
                writer.WriteStartObject();
                writer.WriteString("name", check.Name);
                writer.WriteString("status", StatusText(check.Status));
                writer.WriteString("detail", check.Detail);
                writer.WriteString("fix", check.Fix);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        await output.WriteLineAsync(System.Text.Encoding.UTF8.GetString(buffer.ToArray())).ConfigureAwait(false);
    }
}
