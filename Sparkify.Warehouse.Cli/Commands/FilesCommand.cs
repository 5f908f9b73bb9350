using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sparkify.Warehouse.Cli.Configuration;
using Sparkify.Warehouse.Cli.Output;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Loading.Ledger;
using Spectre.Console;

namespace Sparkify.Warehouse.Cli.Commands;

/// <summary><c>sparkify files</c>: what the next load would read, and what the ledger (<c>load_files</c>) holds, via <see cref="WarehouseFiles"/>.</summary>
internal static class FilesCommand
{
    public static Command Create(CliContext cli)
    {
        var songs = new Option<string?>("--songs") { Description = "Song data: a file, a folder or s3://bucket/prefix (default: Sparkify:Load:Songs, [S3] SONG_DATA in --config)." };
        var events = new Option<string?>("--events") { Description = "Event logs: a file, a folder or s3://bucket/prefix (default: Sparkify:Load:Events, [S3] LOG_DATA in --config)." };
        var reload = new Option<bool>("--reload") { Description = "As a load with --reload would: every file is read." };
        var since = DateOption("--since", "As a backfill from this day (YYYY-MM-DD, inclusive) would: the event files whose key names a day in the range are read.");
        var until = DateOption("--until", "The backfill's last day (YYYY-MM-DD, inclusive).");
        var format = new Option<string?>("--format") { Description = "Output: table (default) or json." };
        var provider = CommonOptions.Provider();
        var connection = CommonOptions.Connection();
        var command = new Command("files", "List the files under the load's sources and what the next load would read (new or changed files), and what the ledger (load_files) holds.")
        {
            songs, events, reload, since, until, format, provider, connection, CommonOptions.ManifestPrefix(), CommonOptions.S3Endpoint(), CommonOptions.S3Region(),
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var json = parseResult.GetValue(format)?.ToLowerInvariant() switch
            {
                null or "table" => false,
                "json" => true,
                var other => throw new UsageException($"Unknown format '{other}'. Accepted: table, json."),
            };
            var request = new LoadRequest
            {
                SongsSource = CommonOptions.Configured(cli, parseResult.GetValue(songs), CliConfiguration.LoadSongsKey) ?? "",
                EventsSource = CommonOptions.Configured(cli, parseResult.GetValue(events), CliConfiguration.LoadEventsKey) ?? "",
                Reload = parseResult.GetValue(reload),
                Since = parseResult.GetValue(since),
                Until = parseResult.GetValue(until),
            };
            if (request.SongsSource.Length == 0 && request.EventsSource.Length == 0)
            {
                throw new UsageException($"files needs --songs, --events or both (or {CliConfiguration.LoadSongsKey}/{CliConfiguration.LoadEventsKey}, or [S3] SONG_DATA/LOG_DATA in a --config dwh.cfg).");
            }

            CheckBackfillRange(request);

            var options = await new WarehouseConnections(cli).ResolveOptionsAsync(buildsContexts: true, cancellationToken).ConfigureAwait(false);
            var files = await WarehouseFiles.ListAsync(options, request, cancellationToken).ConfigureAwait(false);
            if (json)
            {
                await WriteJsonAsync(files, cli.Out, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                WriteTable(files, cli.Out);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The status as output shows it: <c>new</c>, <c>changed</c>, <c>unchanged</c> or <c>not listed</c> (<c>not_listed</c> in JSON).</summary>
    internal static string StatusName(LedgerFileStatus status, bool json) => status switch
    {
        LedgerFileStatus.New => "new",
        LedgerFileStatus.Changed => "changed",
        LedgerFileStatus.Unchanged => "unchanged",
        _ => json ? "not_listed" : "not listed",
    };

    private const string DateFormat = "yyyy-MM-dd";

    /// <summary>A <c>YYYY-MM-DD</c> option of a backfill (files and load share them).</summary>
    internal static Option<DateOnly?> DateOption(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "YYYY-MM-DD",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (DateOnly.TryParseExact(text.Trim(), DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                return date;
            }

            result.AddError($"{name} is '{text}'; it must be a date YYYY-MM-DD, e.g. 2018-11-01.");
            return null;
        },
    };

    /// <summary>Checked before the embedded server starts: a mistyped range is a usage error (files and load share it).</summary>
    internal static void CheckBackfillRange(LoadRequest request)
    {
        if (request.Since > request.Until)
        {
            throw new UsageException($"--since {FormatDate(request.Since.Value)} is after --until {FormatDate(request.Until!.Value)}; a backfill reads the days from --since to --until, both included.");
        }
    }

    private static string FormatDate(DateOnly date) => date.ToString(DateFormat, CultureInfo.InvariantCulture);

    private static void WriteTable(IReadOnlyList<WarehouseFile> files, TextWriter output)
    {
        var rows = files.Select(file => new string?[]
        {
            file.Source == WarehouseFileSource.Songs ? "songs" : "events",
            StatusName(file.Status, json: false),
            file.WillLoad ? "read" : "skip",
            file.SizeBytes?.ToString("N0", CultureInfo.InvariantCulture) ?? "",
            file.Uri,
            file.Loaded?.LoadedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "",
            file.Loaded?.RunId.ToString("D") ?? "",
        }).ToArray();
        QueryResultWriter.WriteTable(
            ["source", "status", "next load", "bytes", "file", "loaded at (UTC)", "run"],
            rows,
            [false, false, false, true, false, false, false],
            output);
        int Count(LedgerFileStatus status) => files.Count(f => f.Status == status);
        // Straight to the writer: the console would wrap the line at its width.
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"The next load reads {files.Count(f => f.WillLoad)} of {files.Count - Count(LedgerFileStatus.NotListed)} listed files: {Count(LedgerFileStatus.New)} new, {Count(LedgerFileStatus.Changed)} changed, {Count(LedgerFileStatus.Unchanged)} unchanged; {Count(LedgerFileStatus.NotListed)} ledger file(s) no longer listed."));
    }

    private static async Task WriteJsonAsync(IReadOnlyList<WarehouseFile> files, TextWriter output, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartArray();
            foreach (var file in files)
            {
                json.WriteStartObject();
                json.WriteString("source", file.Source == WarehouseFileSource.Songs ? "songs" : "events");
                json.WriteString("uri", file.Uri);
                json.WriteString("status", StatusName(file.Status, json: true));
                json.WriteBoolean("will_load", file.WillLoad);
                WriteNumber(json, "size_bytes", file.SizeBytes);
                if (file.Loaded is { } loaded)
                {
                    json.WriteString("loaded_at", loaded.LoadedAt.ToString(QueryResultWriter.TimestampFormat, CultureInfo.InvariantCulture));
                    json.WriteString("run_id", loaded.RunId.ToString("D"));
                    // Null: not known per file (a Redshift COPY of several files counts only their total).
                    WriteNumber(json, "records_staged", loaded.RecordsStaged);
                    json.WriteNumber("records_rejected", loaded.RecordsRejected);
                }
                else
                {
                    json.WriteNull("loaded_at");
                    json.WriteNull("run_id");
                    json.WriteNull("records_staged");
                    json.WriteNull("records_rejected");
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        buffer.Position = 0;
        using var reader = new StreamReader(buffer);
        await output.WriteLineAsync((await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false)).AsMemory(), cancellationToken).ConfigureAwait(false);
    }

    private static void WriteNumber(Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
