using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Sparkify.Warehouse.Infrastructure.Internal;
using Sparkify.Warehouse.Loading.Ledger;
using Sparkify.Warehouse.Loading.PostgreSql;
using Sparkify.Warehouse.Loading.Redshift;
using Sparkify.Warehouse.Loading.Pipeline;
using Sparkify.Warehouse.Telemetry;

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
            ? WarehouseConnectionString.ForProvider(cs, _options.Provider)
            : throw new WarehouseException("No warehouse connection string is configured (WarehouseOptions.ConnectionString).");
        return LoadWithRetriesAsync(request, connectionString, progress, cancellationToken);
    }

    /// <summary>
    /// Every statement <see cref="LoadAsync"/> would send for <paramref name="request"/>, in order, without
    /// connecting to anything — for review before a load runs on a cluster. A statement the run sends
    /// only depending on what it finds (another load holding the lock, song files unchanged since the
    /// last load, rejected records, gzip-compressed objects in S3, on Redshift a staging table with no
    /// new files to COPY) carries a comment saying so.
    /// </summary>
    /// <param name="request">What would be loaded.</param>
    /// <returns>The SQL statements, each without a terminating semicolon.</returns>
    public IReadOnlyList<string> Plan(LoadRequest request)
        => PlanSteps(request).Statements();

    /// <summary>The plan <see cref="Plan"/> prints: built before anything is listed or connected to.</summary>
    internal LoadPlan PlanSteps(LoadRequest request)
    {
        request = WithDefaults(request);
        Validate(request);
        // The plan shows the SQL of a run; the real run gets its own id.
        var run = new LoadAttempt(request, Guid.NewGuid(), progress: null);
        // Not disposed: a pipeline holds nothing until it runs.
        return CreatePipeline(run).Build();
    }

    private async Task<LoadResult> LoadWithRetriesAsync(LoadRequest request, string connectionString, IProgress<LoadProgress>? progress, CancellationToken cancellationToken)
    {
        var attempts = TransientRetries + 1;
        for (var attempt = 1; ; attempt++)
        {
            var willRetry = attempt < attempts;
            try
            {
                return await LoadOnceAsync(request, connectionString, progress, willRetry, cancellationToken).ConfigureAwait(false);
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

    private async Task<LoadResult> LoadOnceAsync(LoadRequest request, string connectionString, IProgress<LoadProgress>? progress, bool willRetry, CancellationToken cancellationToken)
    {
        var run = new LoadAttempt(request, Guid.NewGuid(), progress);
        using var span = LoadTelemetry.StartLoad(run.RunId);
        var phases = new PhaseSpans(run.RunId);
        var succeeded = false;
        try
        {
            var result = await RunAsync(run, connectionString, phases, willRetry, cancellationToken).ConfigureAwait(false);
            succeeded = true;
            return result;
        }
        finally
        {
            phases.End(failed: !succeeded);
            span?.SetStatus(succeeded ? ActivityStatusCode.Ok : ActivityStatusCode.Error);
            LoadTelemetry.LoadEnded(succeeded, run.Clock.Elapsed);
        }
    }

    private async Task<LoadResult> RunAsync(LoadAttempt run, string connectionString, PhaseSpans phases, bool willRetry, CancellationToken cancellationToken)
    {
        await using var pipeline = CreatePipeline(run);
        phases.Enter(LoadPhase.Listing);
        await pipeline.PrepareAsync(cancellationToken).ConfigureAwait(false);
        var plan = pipeline.Build();
        await using var executor = await (ExecutorFactory ?? OpenExecutorAsync)(connectionString, cancellationToken).ConfigureAwait(false);
        try
        {
            await RunStepsAsync(plan.Prologue, executor, cancellationToken, phases).ConfigureAwait(false);
            _logger.LogInformation("Load {RunId} started on {Target}", run.RunId, pipeline.Target);
            try
            {
                await RunStepsAsync(plan.Body, executor, cancellationToken, phases).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not WarehouseLoadException)
            {
                await executor.RollBackQuietlyAsync().ConfigureAwait(false);
                var transient = !run.Committing && TransientFailure.Is(exception);
                var failed = await RecordFailureAsync(connectionString, plan, run, exception, reason => Failure(reason, run.RunId, run.Committing, transient && willRetry)).ConfigureAwait(false);
                throw Rethrow(exception, failed, transient, cancellationToken);
            }

            var result = run.Succeeded();
            LogSucceeded(result);
            return result;
        }
        finally
        {
            await CleanUpAsync(plan.Cleanup, executor).ConfigureAwait(false);
        }
    }

    /// <summary>Each target's pipeline for one run (or one dry-run).</summary>
    private ILoadPipeline CreatePipeline(LoadAttempt run)
    {
        var ledger = new LoadLedger(
            run.Request,
            EventFileDatePattern.Parse(_options.EventFileDatePattern, $"{nameof(WarehouseOptions)}.{nameof(WarehouseOptions.EventFileDatePattern)}"),
            WarehouseFiles.ReadsEveryFile(_options));
        run.Ledger = ledger;
        if (_options.Provider == WarehouseProvider.Redshift)
        {
            return new RedshiftLoadPipeline(run, _options, ledger, _logger);
        }

        return new PostgreSqlLoadPipeline(run, new PostgresStaging(), ledger, _options.S3, _logger);
    }

    private static async Task RunStepsAsync(IReadOnlyList<LoadStep> steps, ILoadExecutor executor, CancellationToken cancellationToken, PhaseSpans? phases = null)
    {
        for (var i = 0; i < steps.Count;)
        {
            var step = steps[i];
            if (step.Phase is { } phase)
            {
                phases?.Enter(phase);
            }

            if (step.BatchResult is null)
            {
                if (step.When?.Invoke() ?? true)
                {
                    await step.RunAsync(executor, cancellationToken).ConfigureAwait(false);
                }

                i++;
                continue;
            }

            // Consecutive batchable steps, up to the next that begins a phase, go in one round trip.
            var batch = new List<LoadStep>();
            do
            {
                if (steps[i].When?.Invoke() ?? true)
                {
                    batch.Add(steps[i]);
                }

                i++;
            }
            while (i < steps.Count && steps[i] is { BatchResult: not null, Phase: null });

            if (batch.Count > 0)
            {
                var results = await executor.ExecuteBatchAsync([.. batch.Select(s => s.ToBatched())], cancellationToken).ConfigureAwait(false);
                for (var j = 0; j < batch.Count; j++)
                {
                    batch[j].BatchResult!(results[j]);
                }
            }
        }
    }

    private async Task CleanUpAsync(IReadOnlyList<LoadStep> steps, ILoadExecutor executor)
    {
        try
        {
            await RunStepsAsync(steps, executor, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
        {
            // Closing the connection ends the session, and with it what the cleanup would release.
            _logger.LogDebug("Could not clean up after the load: {Error}", ErrorText.Describe(exception));
        }
    }

    /// <summary>Where a run's statements go; tests replace it to record them (null: the warehouse the connection string names).</summary>
    internal Func<string, CancellationToken, Task<ILoadExecutor>>? ExecutorFactory { get; init; }

    /// <summary>Told each statement the default executor sends, in order (tests capture a run with it).</summary>
    internal Action<string>? StatementSent { get; init; }

    private async Task<ILoadExecutor> OpenExecutorAsync(string connectionString, CancellationToken cancellationToken)
        => new NpgsqlLoadExecutor(await OpenAsync(connectionString, cancellationToken).ConfigureAwait(false), StatementSent);

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

    /// <summary>
    /// Records a failed run on a fresh connection: first the plan's <see cref="LoadPlan.OnFailure"/>
    /// steps (which may record rejects the rollback discarded), then its rejects and its row in
    /// <c>load_runs</c>. When the recorded rejects exceed the budget, the run fails for that, reported
    /// as a load over <c>--max-errors</c> is on every target, whatever statement noticed it first.
    /// </summary>
    private async Task<LoadResult> RecordFailureAsync(string connectionString, LoadPlan plan, LoadAttempt run, Exception exception, Func<Exception, string> failure)
    {
        LoadResult? failed = null;
        try
        {
            // A fresh connection: the load's own may be the thing that broke. Not cancellable: a
            // cancelled load must still be recorded.
            await using var audit = new NpgsqlConnection(connectionString);
            await audit.OpenAsync(CancellationToken.None).ConfigureAwait(false);
            if (plan.OnFailure.Count > 0)
            {
                exception = await RunOnFailureAsync(audit, plan.OnFailure, run, exception).ConfigureAwait(false);
            }

            failed = run.Failed(failure(exception));
            _logger.LogError("Load {RunId} failed: {Error}", failed.RunId, failed.Error);
            if (plan.OnFailure.Count == 0)
            {
                // Rejects held in memory (PostgreSQL's); a plan with failure steps keeps them in load_errors.
                await LoadRunLog.WriteErrorsAsync(audit, run.Rejects(), CancellationToken.None).ConfigureAwait(false);
            }

            await LoadRunLog.FinishAsync(audit, failed, DateTime.UtcNow, CancellationToken.None).ConfigureAwait(false);
            return failed;
        }
        catch (Exception recording) when (recording is NpgsqlException or IOException or TimeoutException)
        {
            // The database is gone too; the next load marks this run as abandoned.
            failed ??= run.Failed(failure(exception));
            _logger.LogError("Load {RunId} failed: {Error}", failed.RunId, failed.Error);
            _logger.LogWarning("Could not record the failure of load {RunId}: {Error}", failed.RunId, ErrorText.Describe(recording));
            return failed;
        }
    }

    /// <summary>
    /// Runs the plan's failure steps on <paramref name="audit"/>, then reads back the rejects the run
    /// has in <c>load_errors</c>; returns the failure to report.
    /// </summary>
    private async Task<Exception> RunOnFailureAsync(NpgsqlConnection audit, IReadOnlyList<LoadStep> steps, LoadAttempt run, Exception exception)
    {
        await using var executor = new NpgsqlLoadExecutor(audit, StatementSent, owned: false);
        try
        {
            await RunStepsAsync(steps, executor, CancellationToken.None).ConfigureAwait(false);
        }
        catch (PostgresException capture)
        {
            _logger.LogWarning("Could not record the rejects of failed load {RunId}: {Error}", run.RunId, ErrorText.Describe(capture));
            return exception;
        }

        var recorded = await LoadRunLog.ReadErrorsAsync(audit, run.RunId, CancellationToken.None).ConfigureAwait(false);
        if (recorded.Count == 0)
        {
            return exception;
        }

        run.Rejected = Math.Max(run.Rejected, recorded.Count);
        run.Rejects = () => recorded;
        return run.Rejected > run.MaxErrors
            ? new RejectLimitExceededException(run.Rejected, run.MaxErrors, recorded)
            : exception;
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

        _ = Backfill.For(request, _options);
    }
}
