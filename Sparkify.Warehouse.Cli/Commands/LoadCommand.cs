using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sparkify.Warehouse.Cli.Configuration;
using Sparkify.Warehouse.Cli.Output;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Loading.Ledger;
using Spectre.Console;

namespace Sparkify.Warehouse.Cli.Commands;

internal static class LoadCommand
{
    public static Command Create(CliContext cli)
    {
        var songs = CommonOptions.Songs();
        var events = CommonOptions.Events();
        var jsonPaths = CommonOptions.JsonPaths();
        var maxErrors = new Option<int?>("--max-errors") { Description = "Rejected records tolerated before the load fails, as Redshift's MAXERROR (default: Sparkify:MaxErrors, else 0)." };
        maxErrors.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 0 or > LoadRequest.MaxErrorsLimit)
            {
                result.AddError($"--max-errors must be between 0 and {LoadRequest.MaxErrorsLimit}.");
            }
        });
        var fullRefresh = new Option<bool>("--full-refresh") { Description = "Empty the star tables before loading." };
        var reload = new Option<bool>("--reload") { Description = "Read every file under the sources, not only those the ledger (load_files) does not hold unchanged." };
        var since = FilesCommand.DateOption("--since", "Backfill: re-read the event files whose key names a day from this one (YYYY-MM-DD, inclusive), loaded before or not.");
        var until = FilesCommand.DateOption("--until", "Backfill: the last day (YYYY-MM-DD, inclusive).");
        var dryRun = new Option<bool>("--dry-run") { Description = "Print every statement the load would send; connects only to count the new files in the ledger." };
        var iamRole = CommonOptions.IamRole();
        var manifestPrefix = CommonOptions.ManifestPrefix();
        var s3Endpoint = CommonOptions.S3Endpoint();
        var s3Region = CommonOptions.S3Region();
        var provider = CommonOptions.Provider();
        var connection = CommonOptions.Connection();

        // The setting options (provider, connection, IAM role, S3, max errors) reach the load through
        // configuration (see CliConfiguration), so a value from appsettings, the environment or
        // --config is used the same way as one given here.
        var command = new Command("load", "Load song data and event logs: COPY into staging, then derive the star tables, in one transaction.")
        {
            songs, events, jsonPaths, maxErrors, fullRefresh, reload, since, until, dryRun, provider, connection, iamRole, manifestPrefix, s3Endpoint, s3Region,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var connections = new WarehouseConnections(cli);
            var request = new LoadRequest
            {
                SongsSource = Source(cli, parseResult.GetValue(songs), "--songs", CliConfiguration.LoadSongsKey, "SONG_DATA"),
                EventsSource = Source(cli, parseResult.GetValue(events), "--events", CliConfiguration.LoadEventsKey, "LOG_DATA"),
                JsonPathsSource = CommonOptions.Configured(cli, parseResult.GetValue(jsonPaths), CliConfiguration.LoadJsonPathsKey),
                FullRefresh = parseResult.GetValue(fullRefresh),
                Reload = parseResult.GetValue(reload),
                Since = parseResult.GetValue(since),
                Until = parseResult.GetValue(until),
            };
            FilesCommand.CheckBackfillRange(request);

            var logger = cli.Services.GetRequiredService<ILoggerFactory>().CreateLogger<WarehouseLoader>();

            if (parseResult.GetValue(dryRun))
            {
                // The plan first: a request it refuses prints nothing.
                var plan = new WarehouseLoader(connections.CreateOptions(), logger).Plan(request);
                await cli.Out.WriteLineAsync(await NewFilesAsync(connections.CreateOptions(), request, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
                foreach (var statement in plan)
                {
                    await cli.Out.WriteLineAsync(statement.TrimEnd() + ";").ConfigureAwait(false);
                    await cli.Out.WriteLineAsync().ConfigureAwait(false);
                }

                return ExitCodes.Success;
            }

            // A load builds no EF Core context: warming one up would cost about 0.1 s of a day's load.
            var loader = new WarehouseLoader(await connections.ResolveOptionsAsync(buildsContexts: false, cancellationToken).ConfigureAwait(false), logger);
            try
            {
                var result = await RunWithProgressAsync(cli, loader, request, logger, cancellationToken).ConfigureAwait(false);
                WriteSummary(cli, result);
                return ExitCodes.Success;
            }
            catch (WarehouseLoadException failed)
            {
                WriteSummary(cli, failed.Result);
                throw;
            }
        });
        return command;
    }

    /// <summary>
    /// The dry-run's first lines, SQL comments: how many files the load would read and skip, from the
    /// ledger when a warehouse is configured (reading the ledger is the one query a dry-run makes), and
    /// on Redshift with a manifest prefix the manifests the load would write.
    /// </summary>
    private static async Task<string> NewFilesAsync(WarehouseOptions options, LoadRequest request, CancellationToken cancellationToken)
    {
        if (options.ConnectionString is not { Length: > 0 })
        {
            return "-- files: not counted (no warehouse connection is configured to read the ledger from); sparkify files lists them";
        }

        try
        {
            var files = await WarehouseFiles.ListAsync(options, request, cancellationToken).ConfigureAwait(false);
            var listed = files.Where(f => f.Status != LedgerFileStatus.NotListed).ToList();
            var summary = string.Create(CultureInfo.InvariantCulture,
                $"-- files: {listed.Count(f => f.WillLoad):N0} to read ({listed.Count(f => f.Status == LedgerFileStatus.New):N0} new, {listed.Count(f => f.Status == LedgerFileStatus.Changed):N0} changed), {listed.Count(f => !f.WillLoad):N0} skipped as loaded unchanged");
            return options.Provider == WarehouseProvider.Redshift && !string.IsNullOrWhiteSpace(options.Redshift.ManifestPrefix)
                ? summary + Manifests(files, options.Redshift.ManifestPrefix)
                : summary;
        }
        catch (Exception e) when (e is WarehouseException or System.Data.Common.DbException or IOException or TimeoutException)
        {
            return "-- files: not counted (" + (e is WarehouseException ? e.Message : e.GetBaseException().Message).ReplaceLineEndings(" ") + ")";
        }
    }

    /// <summary>The manifests a Redshift load would write, each line a SQL comment.</summary>
    private static string Manifests(IReadOnlyList<WarehouseFile> files, string prefix)
    {
        var text = new System.Text.StringBuilder();
        foreach (var (source, table) in new[] { (WarehouseFileSource.Songs, "staging_songs"), (WarehouseFileSource.Events, "staging_events") })
        {
            var name = $"{prefix.TrimEnd('/')}/sparkify-<run id>-{table}.manifest";
            if (WarehouseFiles.RedshiftManifestJson(files, source) is { } json)
            {
                text.Append("\n-- manifest ").Append(name).Append(", written before its COPY:");
                foreach (var line in json.Split('\n'))
                {
                    text.Append("\n--   ").Append(line.TrimEnd('\r'));
                }
            }
            else
            {
                text.Append("\n-- no manifest and no COPY for ").Append(table).Append(": nothing to read");
            }
        }

        return text.ToString();
    }

    private static string Source(CliContext cli, string? option, string optionName, string key, string dwhConfigKey)
        => CommonOptions.Configured(cli, option, key)
            ?? throw new UsageException($"load needs {optionName} (or {key}, or [S3] {dwhConfigKey} in a --config dwh.cfg).");

    internal static async Task<LoadResult> RunWithProgressAsync(CliContext cli, WarehouseLoader loader, LoadRequest request, ILogger logger, CancellationToken cancellationToken)
    {
        if (!Terminal.IsInteractive(cli.Out))
        {
            // Redirected output gets plain log lines (on stderr), at most one per phase per second.
            return await loader.LoadAsync(request, new LogLineProgress(logger), cancellationToken).ConfigureAwait(false);
        }

        LoadResult? result = null;
        await Terminal.For(cli.Out).Status().StartAsync("starting", async context =>
        {
            var progress = new Progress<LoadProgress>(p => context.Status(Markup.Escape(Describe(p))));
            result = await loader.LoadAsync(request, progress, cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return result!;
    }

    internal static string Describe(LoadProgress p)
    {
        var seconds = Math.Max(p.Elapsed.TotalSeconds, 0.001);
        var files = p.FilesTotal is { } total ? $"{p.FilesRead:N0}/{total:N0} files" : $"{p.FilesRead:N0} files";
        return string.Create(CultureInfo.InvariantCulture, $"{p.Phase}: {files}, {p.RecordsStaged:N0} records, {p.BytesRead / 1_048_576.0:0.0} MB ({p.BytesRead / 1_048_576.0 / seconds:0.0} MB/s), {p.Elapsed.TotalSeconds:0.0}s");
    }

    internal static void WriteSummary(CliContext cli, LoadResult result)
    {
        static string?[] Row(string name, long value) => [name, value.ToString("N0", CultureInfo.InvariantCulture)];
        string?[][] rows =
        [
            Row("song files", result.SongFiles),
            Row("event files", result.EventFiles),
            Row("files skipped (loaded unchanged)", result.FilesSkipped),
            Row("songs staged", result.SongsStaged),
            Row("events staged", result.EventsStaged),
            Row("records rejected", result.Rejected),
            Row("songplays inserted", result.SongPlaysInserted),
            Row("users inserted/updated", result.UsersUpserted),
            Row("songs inserted", result.SongsInserted),
            Row("artists inserted/updated", result.ArtistsUpserted),
            Row("time rows inserted", result.TimeInserted),
            ["elapsed", string.Create(CultureInfo.InvariantCulture, $"{result.Elapsed.TotalSeconds:0.00}s")],
            ["run id (load_runs)", result.RunId.ToString()],
        ];
        QueryResultWriter.WriteTable([$"load {result.Status}", "count"], rows, [false, true], cli.Out);
        foreach (var error in result.FirstErrors)
        {
            cli.Out.WriteLine($"rejected: {error.Source}:{error.LineNumber}{(error.ColumnName is null ? "" : $" [{error.ColumnName}]")}: {error.Reason}");
        }
    }

    private sealed class LogLineProgress(ILogger logger) : IProgress<LoadProgress>
    {
        private readonly Lock _gate = new();
        private string? _phase;
        private TimeSpan _last = TimeSpan.MinValue;

        public void Report(LoadProgress value)
        {
            lock (_gate)
            {
                var finished = value.FilesTotal is { } total && value.FilesRead == total;
                if (value.Phase == _phase && !finished && value.Elapsed - _last < TimeSpan.FromSeconds(1))
                {
                    return;
                }

                (_phase, _last) = (value.Phase, value.Elapsed);
            }

            logger.LogInformation("{Progress}", Describe(value));
        }
    }
}
