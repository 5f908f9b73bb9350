using Microsoft.Extensions.Logging;
using Sparkify.Warehouse.Loading.Json;
using Sparkify.Warehouse.Loading.Ledger;
using Sparkify.Warehouse.Loading.Pipeline;
using Sparkify.Warehouse.Loading.Sources;
using Sparkify.Warehouse.Loading.Staging;
using Sparkify.Warehouse.Telemetry;

namespace Sparkify.Warehouse.Loading.PostgreSql;

/// <summary>
/// The PostgreSQL load: under a session advisory lock, one transaction that stages the events with a
/// streaming binary COPY while the song files are listed, stages the songs (or keeps them when their
/// files are unchanged), transforms, writes the rejects and records the run.
/// </summary>
internal sealed class PostgreSqlLoadPipeline(LoadAttempt run, PostgresStaging staging, LoadLedger ledger, S3Settings s3, ILogger logger) : ILoadPipeline
{
    /// <summary>The PostgreSQL advisory lock key that serializes loads on one database ("SPKFLOAD").</summary>
    internal const long LoadLockKey = 0x53504B464C4F4144;

    // A load is one transaction that may run for minutes; these settings are for its session only.
    // JIT compilation costs more than it saves on these one-shot statements, and sorting/hashing a
    // batch in memory avoids temp files: the songplays dedupe sorts the batch's plays with every
    // column, about 450 bytes a play, so a million-event batch sorts in memory with 512 MB.
    internal const string SessionSql = "SET LOCAL jit = off; SET LOCAL work_mem = '512MB'";

    // Created when the run starts: a dry-run's pipeline holds nothing to release.
    private SourceResolver? _resolver;
    private CancellationTokenSource? _stopListing;
    private CancellationTokenSource? _listing;
    private Task<SongFiles>? _songListing;
    private IReadOnlyList<SourceFile> _eventFiles = [];
    private IReadOnlyList<JsonPath>? _jsonPaths;
    private SongFiles? _songs;
    private bool _lockBusy;
    private bool _eventsStopped;
    private bool _songsKept;
    private IReadOnlyDictionary<string, long> _songRows = new Dictionary<string, long>();
    private IReadOnlyDictionary<string, long> _eventRows = new Dictionary<string, long>();

    // Events are staged before songs, each COPY against the whole budget; what the run reports is
    // the songs' rejects then the events', as if the songs had been staged first.
    private readonly RejectLog _songRejects = new(run.RunId, run.MaxErrors);
    private readonly RejectLog _eventRejects = new(run.RunId, run.MaxErrors);

    public string Target => "PostgreSQL";

    public Task PrepareAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public LoadPlan Build()
    {
        run.Rejects = () => RejectLog.Concat(_songRejects, _eventRejects).Errors;
        var request = run.Request;
        bool StagesSongs() => !_eventsStopped && !_songsKept;
        bool Manifests() => _songs?.Fingerprint is not null;
        const string WhenFingerprinted = "only when every song file has a version (last write time or ETag) to fingerprint";

        // A session lock, taken before the run's 'running' row is written and released after its
        // outcome is: a 'running' row that another load finds while holding the lock can then only
        // belong to a process that died, never to one still queueing for the lock.
        LoadStep[] prologue =
        [
            LoadStep.Query($"SELECT CASE WHEN pg_try_advisory_lock({LoadLockKey}) THEN 1 ELSE 0 END", value => _lockBusy = Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) != 1),
            LoadStep.Statement($"SELECT pg_advisory_lock({LoadLockKey})") with
            {
                Note = "only when another load holds the lock: waits for it to finish",
                When = () =>
                {
                    if (_lockBusy)
                    {
                        logger.LogWarning("Another load is running on this warehouse; waiting for it to finish");
                    }

                    return _lockBusy;
                },
            },
            LoadStep.Statement(LoadRunLog.StartSql) with { Parameters = () => LoadRunLog.StartParameters(run.RunId, run.StartedAt, run.Sources) },
        ];

        var songsCopy = staging.SongsCopy();
        var eventsCopySql = staging.EventsCopy(null).CopySql;
        List<LoadStep> body =
        [
            ledger.ReadStep(),
            LoadStep.Client(async ct =>
            {
                var resolver = _resolver = new SourceResolver(s3);
                _stopListing = new CancellationTokenSource();
                _jsonPaths = request.JsonPathsSource is { } jsonPathsSource
                    ? JsonPathsFile.Parse(await resolver.ReadAllBytesAsync(jsonPathsSource, ct).ConfigureAwait(false), jsonPathsSource)
                    : null;
                _eventFiles = ledger.Select(WarehouseFileSource.Events, await resolver.ListAsync(request.EventsSource, ct).ToListAsync(ct).ConfigureAwait(false));

                // Listing and fingerprinting thousands of song files is client work that costs as
                // much as a day of events takes to stage; it runs while they stream in.
                _listing = CancellationTokenSource.CreateLinkedTokenSource(ct, _stopListing.Token);
                var token = _listing.Token;
                _songListing = Task.Run(
                    async () => staging.Fingerprinted(ledger.Select(WarehouseFileSource.Songs, await resolver.ListAsync(request.SongsSource, token).ToListAsync(token).ConfigureAwait(false))),
                    token);
            }),
            // These two in one round trip; the session settings (two statements, which a batch cannot
            // hold as one) matter only to the statements after them.
            LoadStep.Batchable("BEGIN"),
            LoadStep.Batchable(LoadRunLog.FailAbandonedSql) with { Parameters = () => LoadRunLog.FailAbandonedParameters(run.RunId, DateTime.UtcNow) },
            LoadStep.Statement(SessionSql),
            LoadStep.Statement(staging.TruncateEventsSql) with { Phase = LoadPhase.Staging },
            // Quoted with control characters escaped: a newline in a path must not end the comment.
            LoadStep.Copy(eventsCopySql, async (connection, ct) =>
            {
                // The JSONPaths map keys to columns; the COPY's column list, which the plan shows, is the same.
                var copy = staging.EventsCopy(_jsonPaths);
                if (copy.CopySql != eventsCopySql)
                {
                    throw new InvalidOperationException("The events COPY differs from the planned one.");
                }

                var events = await copy.CopyAsync(connection, _eventFiles, _eventRejects, run.StagingProgress("staging events"), ct).ConfigureAwait(false);
                (run.EventFiles, run.EventsStaged, run.BytesRead) = (events.FilesRead, events.RecordsStaged, run.BytesRead + events.BytesRead);
                _eventRows = events.RowsPerFile;
                _eventsStopped = events.StoppedAtErrorLimit;
            }) with { Note = "rows from " + InputDisplay.Quote(request.EventsSource) },
            LoadStep.Client(async ct =>
            {
                _songs = await _songListing!.ConfigureAwait(false);
                if (_eventsStopped)
                {
                    // Stopping the events COPY aborted the transaction and the load fails; the song
                    // files are still read, not staged, for the rejects reported before the events'.
                    await songsCopy.WriteToAsync(Stream.Null, _songs.Files, _songRejects, ct).ConfigureAwait(false);
                }
            }),
            LoadStep.Query(PostgresStaging.MayUseManifestsSql, value =>
            {
                if (value is not true)
                {
                    // A loader role granted only the staging tables stages as before.
                    _songs = _songs! with { Fingerprint = null };
                }
            }) with { When = () => !_eventsStopped && Manifests(), Note = WhenFingerprinted },
            LoadStep.Query(staging.SongsRowsIfUnchangedSql, value =>
            {
                if (value is long kept)
                {
                    _songsKept = true;
                    (run.SongFiles, run.SongsStaged) = (_songs!.Files.Count, kept);
                    run.Report("staging songs", _songs.Files.Count, _songs.Files.Count, run.EventsStaged + kept);
                }
            }) with { When = () => !_eventsStopped && Manifests(), Parameters = () => staging.ManifestParameters(_songs ?? new SongFiles([], "(this load's fingerprint)")), Note = WhenFingerprinted + " and the loader may use staging_manifests; a row means the staged songs are kept and the song steps below are skipped" },
            LoadStep.Batchable(staging.TruncateSongsSql) with { When = StagesSongs, Note = "skipped when the staged songs are kept" },
            LoadStep.Batchable(staging.ForgetSongsManifestSql) with { When = () => StagesSongs() && Manifests(), Note = "skipped when the staged songs are kept; " + WhenFingerprinted },
            LoadStep.Copy(songsCopy.CopySql, async (connection, ct) =>
            {
                var songs = await songsCopy.CopyAsync(connection, _songs!.Files, _songRejects, run.StagingProgress("staging songs"), ct).ConfigureAwait(false);
                (run.SongFiles, run.SongsStaged, run.BytesRead) = (songs.FilesRead, songs.RecordsStaged, run.BytesRead + songs.BytesRead);
                _songRows = songs.RowsPerFile;
                if (songs is { StoppedAtErrorLimit: false, RecordsRejected: 0 })
                {
                    return;
                }

                // A kept table must never hide rejects of its own: no manifest for a COPY that had some.
                _songs = _songs with { Fingerprint = null };
            }) with { When = StagesSongs, Note = "rows from " + InputDisplay.Quote(request.SongsSource) + "; skipped when the staged songs are kept" },
            LoadStep.Statement(staging.RememberSongsManifestSql) with
            {
                When = () => StagesSongs() && Manifests(),
                Parameters = () => staging.ManifestParameters(_songs ?? new SongFiles([], "(this load's fingerprint)"), run.SongsStaged),
                Note = "skipped when the staged songs are kept or had rejects; " + WhenFingerprinted,
            },
            LoadStep.Client(_ =>
            {
                var rejects = RejectLog.Concat(_songRejects, _eventRejects);
                if (rejects.LimitExceeded)
                {
                    throw new RejectLimitExceededException(rejects.Count, run.MaxErrors, rejects.Errors);
                }

                LoadTelemetry.RecordsStaged(TelemetrySource.Songs, run.SongsStaged, _songRejects.Count);
                LoadTelemetry.RecordsStaged(TelemetrySource.Events, run.EventsStaged, _eventRejects.Count);
                run.Report("transforming", recordsStaged: run.SongsStaged + run.EventsStaged);
                return Task.CompletedTask;
            }),
        ];
        body.AddRange(TransformSteps.For(WarehouseProvider.Postgres, run, () => _songsKept));
        body.Add(LoadStep.Copy(LoadRunLog.CopyErrorsSql, (connection, ct) => LoadRunLog.WriteErrorsAsync(connection, run.Rejects(), ct))
            with { When = () => run.Rejects().Count > 0, Note = "the rejected records; only when there are any" });
        body.Add(ledger.ForgetStep());
        body.Add(ledger.RecordStep(run.RunId, StagedRows, run.Rejects));
        body.AddRange(LoadRunLog.FinishSteps(run));

        LoadStep[] cleanup = [LoadStep.Statement($"SELECT pg_advisory_unlock({LoadLockKey})")];
        return new LoadPlan(prologue, body, cleanup);
    }

    /// <summary>The records staged from each file this run read, songs and events in one lookup.</summary>
    private Dictionary<string, long> StagedRows()
    {
        // Sized once: a song load holds tens of thousands of entries.
        var rows = new Dictionary<string, long>(_songRows.Count + _eventRows.Count, StringComparer.Ordinal);
        foreach (var (file, count) in _songRows.Concat(_eventRows))
        {
            rows.Add(file, count);
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        // A load that failed before staging the songs may still be listing them, with the
        // resolver: stop the listing and wait for it before the resolver goes.
        if (_songListing is not null)
        {
            await _stopListing!.CancelAsync().ConfigureAwait(false);
            await ((Task)_songListing).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _listing?.Dispose();
        _stopListing?.Dispose();
        _resolver?.Dispose();
    }
}
