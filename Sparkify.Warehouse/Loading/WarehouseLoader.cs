using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Infrastructure.Internal;
using Sparkify.Warehouse.Loading.Json;
using Sparkify.Warehouse.Loading.PostgreSql;
using Sparkify.Warehouse.Loading.Redshift;
using Sparkify.Warehouse.Loading.Sources;
using Sparkify.Warehouse.Loading.Staging;

namespace Sparkify.Warehouse.Loading;

/// <summary>
/// Loads Sparkify JSON into the warehouse: empties staging, fills it with <c>COPY</c> (a streaming binary
/// <c>COPY FROM STDIN</c> on PostgreSQL, <c>COPY ... FROM 's3://...'</c> on Redshift), rejects bad
/// records into <c>load_errors</c>, and derives the star tables with set-based SQL — all in one
/// transaction, so a failed load leaves the star tables exactly as they were.
/// </summary>
/// <example>
/// <code>
/// var loader = new WarehouseLoader(new WarehouseOptions { ConnectionString = cs });
/// var result = await loader.LoadAsync(new LoadRequest { SongsSource = "data/song_data", EventsSource = "data/log_data" });
/// Console.WriteLine($"{result.SongPlaysInserted} plays loaded");
/// </code>
/// </example>
public sealed class WarehouseLoader
{
    /// <summary>The PostgreSQL advisory lock key that serializes loads on one database ("SPKFLOAD").</summary>
    internal const long LoadLockKey = 0x53504B464C4F4144;

    private const int FirstErrorsKept = 20;

    private const string RetryNote = " (transient; the load was retried as a new run)";

    private readonly WarehouseOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates a loader for the warehouse <paramref name="options"/> describe.</summary>
    /// <param name="options">Target, connection string, IAM role and S3 settings.</param>
    /// <param name="logger">Receives progress and diagnostics (never credentials).</param>
    public WarehouseLoader(WarehouseOptions options, ILogger<WarehouseLoader>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>How many times a load that failed for a transient reason is repeated from the start.</summary>
    internal int TransientRetries { get; init; } = 2;

    /// <summary>Pause before the first retry of a transiently failed load; each later one doubles it.</summary>
    internal TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest pause between two attempts.</summary>
    internal static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Runs one load. Returns when it committed; throws <see cref="WarehouseLoadException"/> (the run is
    /// recorded as failed, nothing changed) when input was rejected beyond
    /// <see cref="LoadRequest.MaxErrors"/> or anything else went wrong, and a plain
    /// <see cref="WarehouseException"/> when a setting is invalid or the warehouse cannot be reached at
    /// all (then there is no run to record; a run left <c>running</c> by a lost connection is marked
    /// failed by the next load).
    /// </summary>
    /// <remarks>
    /// A failure on the way to the database or to S3 (a dropped connection, a restarted server, an S3
    /// 5xx that outlasted the SDK's own retries) rolls the attempt back and repeats the whole load as a
    /// new run, up to two times, after about 1 and 2 seconds.
    /// That is safe because nothing of a failed attempt was committed and loading the same files twice
    /// changes nothing. A failure while committing is never retried: its outcome is in <c>load_runs</c>.
    /// </remarks>
    /// <param name="request">What to load.</param>
    /// <param name="progress">Receives progress per phase; may be null.</param>
    /// <param name="cancellationToken">Cancels the load; it then rolls back and is recorded as failed.</param>
    /// <returns>The committed run's counts.</returns>
    public Task<LoadResult> LoadAsync(LoadRequest request, IProgress<LoadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        request = WithDefaults(request);
        Validate(request);
        var connectionString = _options.ConnectionString is { Length: > 0 } cs
            ? cs
            : throw new WarehouseException("No warehouse connection string is configured (WarehouseOptions.ConnectionString).");
        return LoadWithRetriesAsync(request, connectionString, progress, cancellationToken);
    }

    /// <summary>
    /// Every statement <see cref="LoadAsync"/> would send for <paramref name="request"/>, in order, without
    /// connecting to anything — for review before a load runs on a cluster.
    /// </summary>
    /// <param name="request">What would be loaded.</param>
    /// <returns>The SQL statements, each without a terminating semicolon.</returns>
    public IReadOnlyList<string> Plan(LoadRequest request)
    {
        request = WithDefaults(request);
        Validate(request);
        // The plan shows the SQL of a run; the real run gets its own id.
        var runId = Guid.NewGuid();
        var now = DateTime.UtcNow;
        var statements = new List<string>();
        if (_options.Provider == WarehouseProvider.Postgres)
        {
            statements.Add(PostgresLockSql);
        }

        statements.AddRange(
        [
            LoadRunLog.Preview(LoadRunLog.StartSql, new Dictionary<string, object?>
            {
                ["run_id"] = runId.ToString(), ["started_at"] = now, ["status"] = LoadRunStatus.Running, ["sources"] = Describe(request),
            }),
            "BEGIN",
        ]);
        var failAbandoned = LoadRunLog.Preview(LoadRunLog.FailAbandonedSql, new Dictionary<string, object?>
        {
            ["failed"] = LoadRunStatus.Failed, ["now"] = now, ["error"] = LoadRunLog.AbandonedError, ["running"] = LoadRunStatus.Running, ["run_id"] = runId.ToString(),
        });
        if (_options.Provider == WarehouseProvider.Redshift)
        {
            statements.Add(RedshiftLockSql);
            statements.Add(failAbandoned);
            statements.Add("DELETE FROM staging_events");
            statements.Add("DELETE FROM staging_songs");
            foreach (var command in RedshiftCopyCommandBuilder.Build(RedshiftCopyRequest(request, runId, request.SongsSource.EndsWith(".gz", StringComparison.OrdinalIgnoreCase), request.EventsSource.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))))
            {
                statements.Add(command.CopySql);
                statements.Add(command.CaptureErrorsSql);
            }
        }
        else
        {
            using var context = CreateContext("Host=localhost");
            var staging = new PostgresStaging(context);
            var sql = context.GetService<ISqlGenerationHelper>();
            statements.Add(PostgresSessionSql);
            statements.Add(failAbandoned);
            statements.Add($"TRUNCATE TABLE {staging.Events.Name}, {staging.Songs.Name} -- staging_songs is kept instead when the song files are unchanged since the last successful load (staging_manifests)");
            // Quoted with control characters escaped: a newline in a path must not end the comment.
            statements.Add(staging.Events.CopyFromStdinBinarySql(sql) + " -- rows from " + InputDisplay.Quote(request.EventsSource));
            statements.Add(staging.Songs.CopyFromStdinBinarySql(sql) + " -- rows from " + InputDisplay.Quote(request.SongsSource));
        }

        statements.AddRange(StarSchemaTransform.Steps(_options.Provider, request.FullRefresh).Select(step => step.Sql));
        if (_options.Provider == WarehouseProvider.Postgres)
        {
            statements.Add(LoadRunLog.CopyErrorsSql + " -- the rejected records, if any");
        }

        statements.Add(LoadRunLog.Preview(LoadRunLog.FinishSql, new Dictionary<string, object?>
        {
            ["finished_at"] = now, ["status"] = LoadRunStatus.Succeeded, ["events_staged"] = 0L, ["songs_staged"] = 0L, ["rows_rejected"] = 0L,
            ["songplays"] = 0L, ["users"] = 0L, ["songs"] = 0L, ["artists"] = 0L, ["time"] = 0L, ["error"] = null, ["run_id"] = runId.ToString(),
            ["succeeded"] = LoadRunStatus.Succeeded,
        }));
        statements.Add("COMMIT");
        if (_options.Provider == WarehouseProvider.Postgres)
        {
            statements.Add(PostgresUnlockSql);
        }

        return statements;
    }

    // A session lock, taken before the run's 'running' row is written and released after its outcome
    // is: a 'running' row that another load finds while holding the lock can then only belong to a
    // process that died, never to one still queueing for the lock.
    private static readonly string PostgresLockSql = $"SELECT pg_advisory_lock({LoadLockKey})";

    private static readonly string PostgresUnlockSql = $"SELECT pg_advisory_unlock({LoadLockKey})";

    // A load is one transaction that may run for minutes; these settings are for its session only.
    // JIT compilation costs more than it saves on these one-shot statements, and sorting/hashing a
    // batch in memory avoids temp files: the songplays dedupe sorts the batch's plays with every
    // column, about 450 bytes a play, so a million-event batch sorts in memory with 512 MB.
    internal const string PostgresSessionSql = "SET LOCAL jit = off; SET LOCAL work_mem = '512MB'";

    // Redshift has no advisory locks: locking every table the load writes serializes concurrent loads.
    private const string RedshiftLockSql = "LOCK staging_events, staging_songs, songplays, users, songs, artists, \"time\", load_errors";

    private async Task<LoadResult> LoadWithRetriesAsync(LoadRequest request, string connectionString, IProgress<LoadProgress>? progress, CancellationToken cancellationToken)
    {
        var attempts = TransientRetries + 1;
        for (var attempt = 1; ; attempt++)
        {
            var willRetry = attempt < attempts;
            try
            {
                return _options.Provider == WarehouseProvider.Redshift
                    ? await LoadRedshiftAsync(request, connectionString, progress, willRetry, cancellationToken).ConfigureAwait(false)
                    : await LoadPostgresAsync(request, connectionString, progress, willRetry, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (willRetry && !cancellationToken.IsCancellationRequested
                                              && (exception is WarehouseLoadException failed ? failed.IsTransient : TransientFailure.Is(exception)))
            {
                var delay = RetryDelay(attempt);
                _logger.LogWarning(
                    "Load attempt {Attempt} of {Attempts} failed for a transient reason ({Error}); retrying in {Delay:0.0}s",
                    attempt, attempts, exception is WarehouseLoadException ? exception.Message : ErrorText.Describe(exception), delay.TotalSeconds);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Exponential backoff with a little jitter, so loads that failed together do not retry in lockstep.</summary>
    private TimeSpan RetryDelay(int attempt)
    {
        var exponential = RetryBaseDelay * Math.Pow(2, attempt - 1) * (1 + (Random.Shared.NextDouble() * 0.2));
        return exponential < MaxRetryDelay ? exponential : MaxRetryDelay;
    }

    private async Task<LoadResult> LoadPostgresAsync(LoadRequest request, string connectionString, IProgress<LoadProgress>? progress, bool willRetry, CancellationToken cancellationToken)
    {
        await using var context = CreateContext(connectionString);
        var staging = new PostgresStaging(context);
        await using var connection = await OpenAsync(connectionString, cancellationToken).ConfigureAwait(false);
        await AcquirePostgresLockAsync(connection, cancellationToken).ConfigureAwait(false);
        try
        {
            return await LoadPostgresLockedAsync(request, connectionString, connection, staging, progress, willRetry, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await ReleasePostgresLockAsync(connection).ConfigureAwait(false);
        }
    }

    private async Task<LoadResult> LoadPostgresLockedAsync(
        LoadRequest request, string connectionString, NpgsqlConnection connection, PostgresStaging staging, IProgress<LoadProgress>? progress, bool willRetry, CancellationToken cancellationToken)
    {
        var runId = Guid.NewGuid();
        var clock = Stopwatch.StartNew();
        var startedAt = DateTime.UtcNow;
        // Events are staged before songs, each COPY against the whole budget; what the run reports
        // is the songs' rejects then the events', as if the songs had been staged first.
        var songRejects = new RejectLog(runId, request.MaxErrors!.Value);
        var eventRejects = new RejectLog(runId, request.MaxErrors!.Value);
        var counts = new RunCounts();
        var committing = false;

        await LoadRunLog.StartAsync(connection, runId, startedAt, Describe(request), cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Load {RunId} started on PostgreSQL", runId);

        // Declared before the listing task that uses it, so it is disposed after the finally below
        // has waited for that task.
        using var resolver = new SourceResolver(_options.S3);
        using var listingSongs = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<SongFiles>? songFiles = null;
        try
        {
            var jsonPaths = request.JsonPathsSource is { } jsonPathsSource
                ? JsonPathsFile.Parse(await resolver.ReadAllBytesAsync(jsonPathsSource, cancellationToken).ConfigureAwait(false), jsonPathsSource)
                : null;
            var eventFiles = await resolver.ListAsync(request.EventsSource, cancellationToken).ToListAsync(cancellationToken).ConfigureAwait(false);

            // Listing and fingerprinting thousands of song files is client work that costs as much as
            // a day of events takes to stage; it runs while they stream in.
            songFiles = Task.Run(() => staging.ListSongsAsync(resolver, request.SongsSource, listingSongs.Token), listingSongs.Token);

            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, PostgresSessionSql, cancellationToken).ConfigureAwait(false);
            await LoadRunLog.FailAbandonedAsync(connection, runId, DateTime.UtcNow, cancellationToken).ConfigureAwait(false);
            await staging.TruncateEventsAsync(connection, cancellationToken).ConfigureAwait(false);

            var events = await staging.CopyEventsAsync(connection, eventFiles, jsonPaths, eventRejects, StagingProgress("staging events", progress, clock), cancellationToken).ConfigureAwait(false);
            counts.Add(events, isSongs: false);
            var listedSongs = await songFiles.ConfigureAwait(false);
            var songsUnchanged = false;
            if (events.StoppedAtErrorLimit)
            {
                // Stopping the events COPY aborted the transaction and the load fails; the song files
                // are still read, not staged, for the rejects that are reported before the events'.
                await staging.SongsCopy().WriteToAsync(Stream.Null, listedSongs.Files, songRejects, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var songs = await staging.CopySongsAsync(connection, listedSongs, songRejects, StagingProgress("staging songs", progress, clock), cancellationToken).ConfigureAwait(false);
                counts.Add(songs, isSongs: true);
                songsUnchanged = songs.Unchanged;
            }

            var rejects = RejectLog.Concat(songRejects, eventRejects);

            if (rejects.LimitExceeded)
            {
                throw new RejectLimitExceededException(RejectLimitMessage(rejects.Count, request.MaxErrors!.Value, rejects.Errors));
            }

            progress?.Report(new LoadProgress("transforming", 0, null, counts.SongsStaged + counts.EventsStaged, counts.BytesRead, clock.Elapsed));
            var transform = await StarSchemaTransform.ApplyAsync(connection, transaction, WarehouseProvider.Postgres, request.FullRefresh, cancellationToken, songsUnchanged).ConfigureAwait(false);
            var result = counts.ToResult(runId, LoadRunStatus.Succeeded, rejects.Errors, transform, clock.Elapsed, error: null);

            await LoadRunLog.WriteErrorsAsync(connection, rejects.Errors, cancellationToken).ConfigureAwait(false);
            await LoadRunLog.FinishAsync(connection, result, DateTime.UtcNow, cancellationToken).ConfigureAwait(false);
            committing = true;
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            LogSucceeded(result);
            return result;
        }
        catch (Exception exception) when (exception is not WarehouseLoadException)
        {
            var transient = !committing && TransientFailure.Is(exception);
            // Whatever was rejected before the failure, in the same order as a successful run.
            var rejected = RejectLog.Concat(songRejects, eventRejects).Errors;
            var failed = counts.ToResult(runId, LoadRunStatus.Failed, rejected, transform: null, clock.Elapsed, Failure(exception, runId, committing, transient && willRetry));
            await RecordFailureAsync(connectionString, failed, rejected).ConfigureAwait(false);
            throw Rethrow(exception, failed, transient, cancellationToken);
        }
        finally
        {
            // A load that failed before staging the songs may still be listing them, with the
            // resolver: stop the listing and wait for it before the resolver goes.
            if (songFiles is not null)
            {
                await listingSongs.CancelAsync().ConfigureAwait(false);
                await ((Task)songFiles).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task<LoadResult> LoadRedshiftAsync(LoadRequest request, string connectionString, IProgress<LoadProgress>? progress, bool willRetry, CancellationToken cancellationToken)
    {
        var runId = Guid.NewGuid();
        var clock = Stopwatch.StartNew();
        var counts = new RunCounts();
        var committing = false;

        // Redshift reads S3 itself; listing first refuses local sources and objects COPY would choke on.
        using var resolver = new SourceResolver(_options.S3);
        var songFiles = await ListS3Async(resolver, request.SongsSource, cancellationToken).ConfigureAwait(false);
        var eventFiles = await ListS3Async(resolver, request.EventsSource, cancellationToken).ConfigureAwait(false);
        var commands = RedshiftCopyCommandBuilder.Build(RedshiftCopyRequest(
            request, runId,
            RedshiftCopyCommandBuilder.IsGzip(songFiles, request.SongsSource),
            RedshiftCopyCommandBuilder.IsGzip(eventFiles, request.EventsSource)));

        await using var context = CreateContext(connectionString);
        var database = context.Database;
        await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var connection = (NpgsqlConnection)database.GetDbConnection();
        await LoadRunLog.StartAsync(connection, runId, DateTime.UtcNow, Describe(request), cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Load {RunId} started on Redshift", runId);

        try
        {
            await using var transaction = await database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await database.ExecuteSqlRawAsync(RedshiftLockSql, cancellationToken).ConfigureAwait(false);
            await LoadRunLog.FailAbandonedAsync(connection, runId, DateTime.UtcNow, cancellationToken).ConfigureAwait(false);
            // TRUNCATE would commit the open transaction on Redshift.
            await database.ExecuteSqlRawAsync("DELETE FROM staging_events", cancellationToken).ConfigureAwait(false);
            await database.ExecuteSqlRawAsync("DELETE FROM staging_songs", cancellationToken).ConfigureAwait(false);
            foreach (var command in commands)
            {
                progress?.Report(new LoadProgress($"COPY {command.Table}", 0, null, counts.SongsStaged + counts.EventsStaged, 0, clock.Elapsed));
                await database.ExecuteSqlRawAsync(command.CopySql, cancellationToken).ConfigureAwait(false);
                var staged = await ScalarAsync(connection, "SELECT pg_last_copy_count()", cancellationToken).ConfigureAwait(false);
                await database.ExecuteSqlRawAsync(command.CaptureErrorsSql, cancellationToken).ConfigureAwait(false);
                counts.AddCopied(command.Table, staged, command.Table == "staging_songs" ? songFiles.Count : eventFiles.Count);
            }

            counts.Rejected = await ScalarAsync(connection, $"SELECT COUNT(*) FROM load_errors WHERE run_id = '{runId}'", cancellationToken).ConfigureAwait(false);
            if (counts.Rejected > request.MaxErrors)
            {
                throw new RejectLimitExceededException(RejectLimitMessage(counts.Rejected, request.MaxErrors!.Value, []));
            }

            progress?.Report(new LoadProgress("transforming", 0, null, counts.SongsStaged + counts.EventsStaged, 0, clock.Elapsed));
            var transform = await StarSchemaTransform.ApplyAsync(connection, transaction.GetDbTransaction(), WarehouseProvider.Redshift, request.FullRefresh, cancellationToken).ConfigureAwait(false);
            var result = counts.ToResult(runId, LoadRunStatus.Succeeded, [], transform, clock.Elapsed, error: null);
            await LoadRunLog.FinishAsync(connection, result, DateTime.UtcNow, cancellationToken).ConfigureAwait(false);
            committing = true;
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            LogSucceeded(result);
            return result;
        }
        catch (Exception exception) when (exception is not WarehouseLoadException)
        {
            var transient = !committing && TransientFailure.Is(exception);
            var failed = counts.ToResult(runId, LoadRunStatus.Failed, [], transform: null, clock.Elapsed, Failure(exception, runId, committing, transient && willRetry));
            await RecordFailureAsync(connectionString, failed, []).ConfigureAwait(false);
            throw Rethrow(exception, failed, transient, cancellationToken);
        }
    }

    private static async Task<List<SourceFile>> ListS3Async(SourceResolver resolver, string source, CancellationToken cancellationToken)
    {
        if (!source.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            throw new WarehouseException($"Redshift COPY reads S3 only: {InputDisplay.Quote(source)} is not an s3://bucket/prefix URI. Upload the files to S3, or load them into PostgreSQL.");
        }

        var files = await resolver.ListAsync(source, cancellationToken).ToListAsync(cancellationToken).ConfigureAwait(false);
        var others = await resolver.ListNonJsonKeysAsync(source, cancellationToken).ConfigureAwait(false);
        if (others.Count > 0)
        {
            throw new WarehouseException($"Redshift COPY would also read the non-JSON objects under {InputDisplay.Quote(source)} (e.g. {InputDisplay.Quote(others[0])}); give a prefix that holds only *.json or *.json.gz objects.");
        }

        return files;
    }

    private RedshiftCopyRequest RedshiftCopyRequest(LoadRequest request, Guid runId, bool songsGzip, bool eventsGzip) => new()
    {
        RunId = runId,
        SongsSource = request.SongsSource,
        SongsGzip = songsGzip,
        EventsSource = request.EventsSource,
        EventsGzip = eventsGzip,
        JsonPathsSource = request.JsonPathsSource,
        IamRole = _options.IamRole ?? throw new WarehouseException("Redshift loads need an IAM role that can read the S3 sources: set --iam-role (or Sparkify:IamRole)."),
        Region = _options.S3.Region ?? S3Settings.DefaultRegion,
        MaxErrors = request.MaxErrors!.Value,
    };

    private async Task AcquirePostgresLockAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (await ScalarAsync(connection, $"SELECT CASE WHEN pg_try_advisory_lock({LoadLockKey}) THEN 1 ELSE 0 END", cancellationToken).ConfigureAwait(false) == 1)
        {
            return;
        }

        _logger.LogWarning("Another load is running on this warehouse; waiting for it to finish");
        await using var command = new NpgsqlCommand(PostgresLockSql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task ReleasePostgresLockAsync(NpgsqlConnection connection)
    {
        if (connection.FullState != System.Data.ConnectionState.Open)
        {
            // A broken session's locks died with it.
            return;
        }

        try
        {
            await ExecuteAsync(connection, PostgresUnlockSql, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException)
        {
            // Closing the connection below ends the session, and with it the lock.
            _logger.LogDebug("Could not release the load lock explicitly: {Error}", ErrorText.Describe(exception));
        }
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            var reason = exception is PostgresException ? ErrorText.Describe(exception) : exception.GetBaseException().Message;
            throw new WarehouseException($"Could not connect to the warehouse: {reason}", exception);
        }
    }

    private async Task RecordFailureAsync(string connectionString, LoadResult failed, IReadOnlyList<LoadError> rejects)
    {
        _logger.LogError("Load {RunId} failed: {Error}", failed.RunId, failed.Error);
        try
        {
            // A fresh connection: the load's own may be the thing that broke. Not cancellable: a
            // cancelled load must still be recorded.
            await using var audit = new NpgsqlConnection(connectionString);
            await audit.OpenAsync(CancellationToken.None).ConfigureAwait(false);
            await LoadRunLog.WriteErrorsAsync(audit, rejects, CancellationToken.None).ConfigureAwait(false);
            await LoadRunLog.FinishAsync(audit, failed, DateTime.UtcNow, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException)
        {
            // The database is gone too; the next load marks this run as abandoned.
            _logger.LogWarning("Could not record the failure of load {RunId}: {Error}", failed.RunId, ErrorText.Describe(exception));
        }
    }

    private static Exception Rethrow(Exception exception, LoadResult failed, bool transient, CancellationToken cancellationToken)
        => exception is OperationCanceledException && cancellationToken.IsCancellationRequested
            ? new OperationCanceledException("The load was cancelled and rolled back.", exception, cancellationToken)
            : new WarehouseLoadException(failed, exception) { IsTransient = transient };

    private static string Failure(Exception exception, Guid runId, bool committing, bool retried)
    {
        var reason = exception switch
        {
            RejectLimitExceededException or WarehouseException => exception.Message,
            _ => ErrorText.Describe(exception),
        };
        if (committing)
        {
            return $"{reason} — while committing: if load_runs shows run {runId} as succeeded, it committed; otherwise nothing changed (a rerun is safe either way).";
        }

        return retried ? reason + RetryNote : reason;
    }

    private static string RejectLimitMessage(long rejected, int maxErrors, IReadOnlyList<LoadError> errors)
    {
        var first = errors.Count > 0 ? $" First: {errors[0].Source} line {errors[0].LineNumber}: {errors[0].Reason}." : "";
        return $"{rejected} record(s) rejected, more than --max-errors {maxErrors}; nothing was changed (see load_errors).{first}";
    }

    private void LogSucceeded(LoadResult result)
        => _logger.LogInformation(
            "Load {RunId} succeeded in {Elapsed:0.0}s: {Songs} songs and {Events} events staged, {Rejected} rejected, {SongPlays} songplays inserted",
            result.RunId, result.Elapsed.TotalSeconds, result.SongsStaged, result.EventsStaged, result.Rejected, result.SongPlaysInserted);

    /// <summary>The request with the options' defaults filled in, so the rest of a load reads one place.</summary>
    private LoadRequest WithDefaults(LoadRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.MaxErrors is null ? request with { MaxErrors = _options.MaxErrors } : request;
    }

    private void Validate(LoadRequest request)
    {
        // Options built by hand get the same checks as options bound by AddSparkifyWarehouse, before
        // anything runs, whether or not this load reaches S3.
        if (new WarehouseOptionsValidator(WarehouseSettingNames.Properties, connectionRequired: false).Validate(null, _options) is { Failed: true } invalid)
        {
            throw new WarehouseException(string.Join(" ", invalid.Failures ?? []));
        }

        if (string.IsNullOrWhiteSpace(request.SongsSource) || string.IsNullOrWhiteSpace(request.EventsSource))
        {
            throw new WarehouseException("A load needs both a songs source and an events source.");
        }

        if (request.MaxErrors is < 0 or > RedshiftCopyCommandBuilder.MaxErrorLimit)
        {
            throw new WarehouseException($"--max-errors must be between 0 and {RedshiftCopyCommandBuilder.MaxErrorLimit}, not {request.MaxErrors}.");
        }
    }

    private static string Describe(LoadRequest request)
        => $"songs: {request.SongsSource}\nevents: {request.EventsSource}" + (request.JsonPathsSource is { } p ? $"\njsonpaths: {p}" : "");

    private WarehouseDbContext CreateContext(string connectionString)
        => new(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse(connectionString, _options.Provider).Options);

    private static IProgress<StagingProgress>? StagingProgress(string phase, IProgress<LoadProgress>? progress, Stopwatch clock)
        => progress is null ? null : new ForwardingProgress<StagingProgress>(p => progress.Report(new LoadProgress(phase, p.FilesRead, p.FilesTotal, p.RecordsStaged, p.BytesRead, clock.Elapsed)));

    // Progress<T> would post each report to the thread pool, so reports could arrive after the next
    // phase's; forwarding on the reporting thread keeps them in order.
    private sealed class ForwardingProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Thrown inside a load when rejects exceed the budget; becomes the run's error message.</summary>
    private sealed class RejectLimitExceededException(string message) : Exception(message);

    /// <summary>The counts a run accumulates before it knows whether it will commit.</summary>
    private sealed class RunCounts
    {
        public long SongFiles { get; private set; }

        public long EventFiles { get; private set; }

        public long SongsStaged { get; private set; }

        public long EventsStaged { get; private set; }

        public long BytesRead { get; private set; }

        public long Rejected { get; set; }

        public void Add(StagingCopyResult result, bool isSongs)
        {
            if (isSongs)
            {
                SongFiles = result.FilesRead;
                SongsStaged = result.RecordsStaged;
            }
            else
            {
                EventFiles = result.FilesRead;
                EventsStaged = result.RecordsStaged;
            }

            BytesRead += result.BytesRead;
        }

        public void AddCopied(string table, long staged, long files)
        {
            if (table == "staging_songs")
            {
                (SongsStaged, SongFiles) = (staged, files);
            }
            else
            {
                (EventsStaged, EventFiles) = (staged, files);
            }
        }

        public LoadResult ToResult(Guid runId, string status, IReadOnlyList<LoadError> rejects, TransformCounts? transform, TimeSpan elapsed, string? error) => new()
        {
            RunId = runId,
            Status = status,
            SongFiles = SongFiles,
            EventFiles = EventFiles,
            BytesRead = BytesRead,
            SongsStaged = SongsStaged,
            EventsStaged = EventsStaged,
            Rejected = Math.Max(Rejected, rejects.Count),
            SongPlaysInserted = transform?.SongPlays ?? 0,
            UsersUpserted = transform?.Users ?? 0,
            SongsInserted = transform?.Songs ?? 0,
            ArtistsUpserted = transform?.Artists ?? 0,
            TimeInserted = transform?.Time ?? 0,
            Elapsed = elapsed,
            FirstErrors = [.. rejects.Take(FirstErrorsKept)],
            Error = error,
        };
    }
}
