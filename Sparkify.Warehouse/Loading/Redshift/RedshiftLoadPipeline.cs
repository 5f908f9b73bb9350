using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Sparkify.Warehouse.Loading.Ledger;
using Sparkify.Warehouse.Loading.Pipeline;
using Sparkify.Warehouse.Loading.Sources;
using Sparkify.Warehouse.Telemetry;

namespace Sparkify.Warehouse.Loading.Redshift;

/// <summary>
/// The Redshift load: the cluster reads S3 itself, so the loader lists the sources first (refusing
/// local sources and objects COPY would choke on, and finding out whether they are gzipped), then
/// runs one transaction of <c>LOCK</c>, the ledger read, <c>COPY</c> (from a manifest of exactly the
/// new and changed files when a manifest prefix is set, else from the whole prefix), the capture of
/// the COPYs' rejects, the transform, the ledger rows and the run's final row.
/// </summary>
internal sealed class RedshiftLoadPipeline(LoadAttempt run, WarehouseOptions options, LoadLedger ledger, ILogger logger) : ILoadPipeline
{
    // Redshift has no advisory locks: locking every table the load writes serializes concurrent loads.
    private const string LockSql = "LOCK staging_events, staging_songs, songplays, users, songs, artists, \"time\", load_errors, load_files";

    // STATUPDATE ON and ANALYZE act only for a table's owner (or a superuser); anyone else's are skipped or refused.
    private const string NotOwnedSql =
        "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename IN ('staging_events', 'staging_songs') AND tableowner <> current_user";

    private const string NonOwnerNote = "only when the loader does not own the staging tables (then COPY cannot update their statistics: STATUPDATE OFF)";
    private const string OwnerNote = "only when the loader owns the staging tables (else the COPY below, with STATUPDATE OFF)";
    private const string AnalyzeNote = "skipped when the loader does not own the staging tables: only the owner may ANALYZE them";

    private SourceResolver? _resolver;
    private List<SourceFile>? _songFiles;
    private List<SourceFile>? _eventFiles;
    private int? _session;
    private DateTime? _since;
    private bool _ownsStaging = true;
    private readonly Dictionary<string, IReadOnlyList<SourceFile>> _read = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _stagedPerFile = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _rejectedPerFile = new(StringComparer.Ordinal);

    public string Target => IsServerless(options) ? "Redshift Serverless" : "Redshift";

    /// <summary>
    /// Whether the warehouse is Redshift Serverless: set so (<see cref="RedshiftSettings.Serverless"/>),
    /// or reached at a Serverless endpoint, <c>&lt;workgroup&gt;.&lt;account&gt;.&lt;region&gt;.redshift-serverless.amazonaws.com</c>.
    /// </summary>
    internal static bool IsServerless(WarehouseOptions options)
    {
        if (options.Redshift?.Serverless == true)
        {
            return true;
        }

        string? hosts;
        try
        {
            hosts = options.ConnectionString is { Length: > 0 } cs ? new NpgsqlConnectionStringBuilder(cs).Host : null;
        }
        catch (ArgumentException)
        {
            // The options validator reports an unreadable connection string.
            return false;
        }

        // Npgsql accepts several hosts, each optionally with ":port".
        return hosts?.Split(',').Any(host => host.Split(':')[0].Trim().TrimEnd('.')
            .EndsWith(".redshift-serverless.amazonaws.com", StringComparison.OrdinalIgnoreCase)) == true;
    }

    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        _songFiles = await ListS3Async(run.Request.SongsSource, cancellationToken).ConfigureAwait(false);
        _eventFiles = await ListS3Async(run.Request.EventsSource, cancellationToken).ConfigureAwait(false);
        if (ManifestPrefix is null)
        {
            logger.LogInformation(
                "No manifest prefix is set (--manifest-prefix, Sparkify:Redshift:ManifestPrefix): this Redshift load COPYs every file under its sources (a prefix COPY) and records each in the ledger");
        }
    }

    public LoadPlan Build()
    {
        var request = run.Request;
        var prefix = ManifestPrefix;
        var manifests = prefix is null
            ? null
            : new Dictionary<string, S3Location>(StringComparer.Ordinal)
            {
                ["staging_songs"] = RedshiftManifest.LocationFor(prefix, run.RunId, "staging_songs"),
                ["staging_events"] = RedshiftManifest.LocationFor(prefix, run.RunId, "staging_events"),
            };
        var commands = RedshiftCopyCommandBuilder.Build(new RedshiftCopyRequest
        {
            RunId = run.RunId,
            SongsSource = request.SongsSource,
            SongsGzip = _songFiles is null ? null : RedshiftCopyCommandBuilder.IsGzip(_songFiles, request.SongsSource),
            SongsManifest = manifests?["staging_songs"].Uri,
            EventsSource = request.EventsSource,
            EventsGzip = _eventFiles is null ? null : RedshiftCopyCommandBuilder.IsGzip(_eventFiles, request.EventsSource),
            EventsManifest = manifests?["staging_events"].Uri,
            JsonPathsSource = request.JsonPathsSource,
            IamRole = options.IamRole ?? throw new WarehouseException("Redshift loads need an IAM role that can read the S3 sources: set --iam-role (or Sparkify:IamRole)."),
            Region = options.S3.Region ?? S3Settings.DefaultRegion,
            MaxErrors = run.MaxErrors,
        });
        var captureErrors = LoadStep.Statement(RedshiftCopyCommandBuilder.CaptureErrorsSql(IsServerless(options))) with
        {
            Parameters = CaptureParameters,
            Note = "session and since: what SELECT pg_backend_pid() and SELECT GETDATE() answered at the start of the load (NULL in a plan)",
        };

        // The ledger is read under the lock, so two loads never both take a file as new; the manifests
        // are written once it has decided, before the COPYs that read them.
        // TRUNCATE would commit the open transaction on Redshift: staging is emptied with DELETE.
        List<LoadStep> body =
        [
            LoadStep.Statement("BEGIN"),
            LoadStep.Statement(LockSql),
            LoadStep.Statement(LoadRunLog.FailAbandonedSql) with { Parameters = () => LoadRunLog.FailAbandonedParameters(run.RunId, DateTime.UtcNow) },
            // Where and since when this load's COPYs record their rejects in the error view.
            LoadStep.Query("SELECT pg_backend_pid()", value => _session = Convert.ToInt32(value, CultureInfo.InvariantCulture)),
            LoadStep.Query("SELECT GETDATE()", value => _since = (DateTime?)value),
            LoadStep.Query(NotOwnedSql, value => OwnsStaging(Convert.ToInt64(value, CultureInfo.InvariantCulture) == 0)),
            ledger.ReadStep(),
            LoadStep.Client(async ct =>
            {
                _read["staging_songs"] = ledger.Select(WarehouseFileSource.Songs, _songFiles!);
                _read["staging_events"] = ledger.Select(WarehouseFileSource.Events, _eventFiles!);
                if (manifests is null)
                {
                    return;
                }

                foreach (var (table, files) in _read.Where(read => read.Value.Count > 0))
                {
                    // Kept after the load: named by the run id, each says which files that run read.
                    await RedshiftManifest.UploadAsync(_resolver!, options.S3, manifests[table], RedshiftManifest.Write(files), ct).ConfigureAwait(false);
                }
            }),
            LoadStep.Statement("DELETE FROM staging_events") with { Phase = LoadPhase.Staging },
            LoadStep.Statement("DELETE FROM staging_songs"),
        ];
        foreach (var command in commands)
        {
            var songs = command.Table == "staging_songs";
            var table = command.Table;

            // Without a manifest the prefix COPY runs whatever is new; with one, only a table with files
            // to read gets a manifest and a COPY (Redshift refuses a manifest without entries).
            bool Reads() => manifests is null || Read(table).Count > 0;
            var readNote = manifests is null ? "" : $"; only when the load reads any {(songs ? "song" : "event")} file: FROM the manifest it writes first, of exactly those files";
            body.Add(LoadStep.Client(_ =>
            {
                run.Report($"COPY {table}", bytesRead: 0);
                return Task.CompletedTask;
            }));
            body.Add(LoadStep.Statement(command.CopySql) with { When = () => _ownsStaging && Reads(), Note = OwnerNote + readNote });
            body.Add(LoadStep.Statement(command.NonOwnerCopySql) with { When = () => !_ownsStaging && Reads(), Note = NonOwnerNote + readNote });
            body.Add(LoadStep.Query("SELECT pg_last_copy_count()", value =>
            {
                var staged = Convert.ToInt64(value, CultureInfo.InvariantCulture);
                var files = Read(table);
                LoadTelemetry.RecordsStaged(songs ? TelemetrySource.Songs : TelemetrySource.Events, staged, rejected: 0);
                if (files.Count == 1)
                {
                    // The one count a COPY gives is per file only when it read one file.
                    _stagedPerFile[files[0].Name] = staged;
                }

                if (songs)
                {
                    (run.SongsStaged, run.SongFiles) = (staged, files.Count);
                }
                else
                {
                    (run.EventsStaged, run.EventFiles) = (staged, files.Count);
                }
            }) with { When = Reads, Note = readNote.Length == 0 ? null : readNote[2..] });
        }

        body.Add(captureErrors);
        body.Add(LoadStep.Query($"SELECT COUNT(*) FROM load_errors WHERE run_id = '{run.RunId}'", value => run.Rejected = Convert.ToInt64(value, CultureInfo.InvariantCulture)));
        body.Add(LoadStep.Client(_ =>
        {
            if (run.Rejected > run.MaxErrors)
            {
                throw new RejectLimitExceededException(run.Rejected, run.MaxErrors, []);
            }

            run.Report("transforming", bytesRead: 0);
            return Task.CompletedTask;
        }));
        body.AddRange(TransformSteps.For(WarehouseProvider.Redshift, run, songsKept: () => false)
            .Select(step => step.Sql?.StartsWith("ANALYZE ", StringComparison.Ordinal) == true
                ? step with { When = () => _ownsStaging && (step.When?.Invoke() ?? true), Note = step.Note is null ? AnalyzeNote : step.Note + "; " + AnalyzeNote }
                : step));
        body.Add(RedshiftLedgerWrites.RejectsPerFileStep(run, _rejectedPerFile));
        body.Add(RedshiftLedgerWrites.ForgetStep(ledger));
        body.Add(RedshiftLedgerWrites.RecordStep(ledger, run.RunId, () => _stagedPerFile, _rejectedPerFile));
        body.AddRange(LoadRunLog.FinishSteps(run));

        LoadStep[] prologue = [LoadStep.Statement(LoadRunLog.StartSql) with { Parameters = () => LoadRunLog.StartParameters(run.RunId, run.StartedAt, run.Sources) }];

        // A COPY past MAXERROR aborts the transaction, and the rollback takes the captured rejects
        // with it; the error view keeps them, so they are captured again from a second connection.
        LoadStep[] onFailure =
        [
            captureErrors with
            {
                When = () => _session is not null && _since is not null,
                Note = "only when the load fails after it began COPYing: after the rollback, on a second connection, the rejects it had recorded are recorded again",
            },
        ];
        return new LoadPlan(prologue, body, []) { OnFailure = onFailure };
    }

    /// <summary>The manifest prefix, or null when none is set (the load COPYs whole prefixes).</summary>
    private S3Location? ManifestPrefix
        => string.IsNullOrWhiteSpace(options.Redshift?.ManifestPrefix) ? null : S3Location.Parse(options.Redshift.ManifestPrefix, "Sparkify:Redshift:ManifestPrefix");

    private IReadOnlyList<SourceFile> Read(string table) => _read.GetValueOrDefault(table) ?? [];

    public ValueTask DisposeAsync()
    {
        _resolver?.Dispose();
        return ValueTask.CompletedTask;
    }

    private NpgsqlParameter[] CaptureParameters() =>
    [
        new("run_id", NpgsqlDbType.Varchar) { Value = run.RunId.ToString() },
        new("session", NpgsqlDbType.Integer) { Value = (object?)_session ?? DBNull.Value },
        new("since", NpgsqlDbType.Timestamp) { Value = (object?)_since ?? DBNull.Value },
    ];

    private void OwnsStaging(bool owns)
    {
        _ownsStaging = owns;
        if (!owns)
        {
            logger.LogWarning(
                "The loader does not own staging_events and staging_songs, so Redshift would skip or refuse updating their statistics: the COPYs use STATUPDATE OFF and ANALYZE is skipped; the star inserts may be planned on stale statistics. Make the loading user their owner (ALTER TABLE ... OWNER TO) to keep them current");
        }
    }

    private async Task<List<SourceFile>> ListS3Async(string source, CancellationToken cancellationToken)
    {
        if (!source.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            throw new WarehouseException($"Redshift COPY reads S3 only: {InputDisplay.Quote(source)} is not an s3://bucket/prefix URI. Upload the files to S3, or load them into PostgreSQL.");
        }

        _resolver ??= new SourceResolver(options.S3);
        var files = await _resolver.ListAsync(source, cancellationToken).ToListAsync(cancellationToken).ConfigureAwait(false);
        var others = await _resolver.ListNonJsonKeysAsync(source, cancellationToken).ConfigureAwait(false);
        if (others.Count > 0)
        {
            throw new WarehouseException($"Redshift COPY would also read the non-JSON objects under {InputDisplay.Quote(source)} (e.g. {InputDisplay.Quote(others[0])}); give a prefix that holds only *.json or *.json.gz objects.");
        }

        return files;
    }
}
