using Sparkify.Warehouse.Loading.Pipeline;
using Sparkify.Warehouse.Loading.Sources;
using Sparkify.Warehouse.Telemetry;

namespace Sparkify.Warehouse.Loading.Redshift;

/// <summary>
/// The Redshift load: the cluster reads S3 itself, so the loader lists the sources first (refusing
/// local sources and objects COPY would choke on, and finding out whether they are gzipped), then
/// runs one transaction of <c>LOCK</c>, <c>COPY ... FROM 's3://...'</c> with a capture of each COPY's
/// rejects, the transform and the run's final row.
/// </summary>
internal sealed class RedshiftLoadPipeline(LoadAttempt run, WarehouseOptions options) : ILoadPipeline
{
    // Redshift has no advisory locks: locking every table the load writes serializes concurrent loads.
    private const string LockSql = "LOCK staging_events, staging_songs, songplays, users, songs, artists, \"time\", load_errors";

    private SourceResolver? _resolver;
    private List<SourceFile>? _songFiles;
    private List<SourceFile>? _eventFiles;

    public string Target => "Redshift";

    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        _songFiles = await ListS3Async(run.Request.SongsSource, cancellationToken).ConfigureAwait(false);
        _eventFiles = await ListS3Async(run.Request.EventsSource, cancellationToken).ConfigureAwait(false);

        // No ledger on Redshift yet: every listed file is read.
        LoadTelemetry.FilesListed(TelemetrySource.Songs, _songFiles.Count, skipped: 0);
        LoadTelemetry.FilesListed(TelemetrySource.Events, _eventFiles.Count, skipped: 0);
    }

    public LoadPlan Build()
    {
        var request = run.Request;
        var commands = RedshiftCopyCommandBuilder.Build(new RedshiftCopyRequest
        {
            RunId = run.RunId,
            SongsSource = request.SongsSource,
            SongsGzip = _songFiles is null ? null : RedshiftCopyCommandBuilder.IsGzip(_songFiles, request.SongsSource),
            EventsSource = request.EventsSource,
            EventsGzip = _eventFiles is null ? null : RedshiftCopyCommandBuilder.IsGzip(_eventFiles, request.EventsSource),
            JsonPathsSource = request.JsonPathsSource,
            IamRole = options.IamRole ?? throw new WarehouseException("Redshift loads need an IAM role that can read the S3 sources: set --iam-role (or Sparkify:IamRole)."),
            Region = options.S3.Region ?? S3Settings.DefaultRegion,
            MaxErrors = run.MaxErrors,
        });

        // TRUNCATE would commit the open transaction on Redshift: staging is emptied with DELETE.
        List<LoadStep> body =
        [
            LoadStep.Statement("BEGIN"),
            LoadStep.Statement(LockSql),
            LoadStep.Statement(LoadRunLog.FailAbandonedSql) with { Parameters = () => LoadRunLog.FailAbandonedParameters(run.RunId, DateTime.UtcNow) },
            LoadStep.Statement("DELETE FROM staging_events") with { Phase = LoadPhase.Staging },
            LoadStep.Statement("DELETE FROM staging_songs"),
        ];
        foreach (var command in commands)
        {
            var songs = command.Table == "staging_songs";
            body.Add(LoadStep.Client(_ =>
            {
                run.Report($"COPY {command.Table}", bytesRead: 0);
                return Task.CompletedTask;
            }));
            body.Add(LoadStep.Statement(command.CopySql));
            body.Add(LoadStep.Query("SELECT pg_last_copy_count()", value =>
            {
                var staged = Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
                LoadTelemetry.RecordsStaged(songs ? TelemetrySource.Songs : TelemetrySource.Events, staged, rejected: 0);
                if (songs)
                {
                    (run.SongsStaged, run.SongFiles) = (staged, _songFiles?.Count ?? 0);
                }
                else
                {
                    (run.EventsStaged, run.EventFiles) = (staged, _eventFiles?.Count ?? 0);
                }
            }));
            body.Add(LoadStep.Statement(command.CaptureErrorsSql));
        }

        body.Add(LoadStep.Query($"SELECT COUNT(*) FROM load_errors WHERE run_id = '{run.RunId}'", value => run.Rejected = Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)));
        body.Add(LoadStep.Client(_ =>
        {
            if (run.Rejected > run.MaxErrors)
            {
                throw new RejectLimitExceededException(run.Rejected, run.MaxErrors, []);
            }

            run.Report("transforming", bytesRead: 0);
            return Task.CompletedTask;
        }));
        body.AddRange(TransformSteps.For(WarehouseProvider.Redshift, run, songsKept: () => false));
        body.AddRange(LoadRunLog.FinishSteps(run));

        LoadStep[] prologue = [LoadStep.Statement(LoadRunLog.StartSql) with { Parameters = () => LoadRunLog.StartParameters(run.RunId, run.StartedAt, run.Sources) }];
        return new LoadPlan(prologue, body, []);
    }

    public ValueTask DisposeAsync()
    {
        _resolver?.Dispose();
        return ValueTask.CompletedTask;
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
