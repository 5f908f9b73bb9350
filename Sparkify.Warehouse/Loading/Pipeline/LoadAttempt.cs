using System.Diagnostics;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Loading.Ledger;
using Sparkify.Warehouse.Loading.PostgreSql;
using Sparkify.Warehouse.Loading.Transform;

namespace Sparkify.Warehouse.Loading.Pipeline;

/// <summary>One attempt at a load: its id, clock and the counts its steps add up before it knows whether it commits.</summary>
internal sealed class LoadAttempt(LoadRequest request, Guid runId, IProgress<LoadProgress>? progress)
{
    private const int FirstErrorsKept = 20;

    private LoadResult? _succeeded;

    public LoadRequest Request { get; } = request;

    public Guid RunId { get; } = runId;

    public DateTime StartedAt { get; } = DateTime.UtcNow;

    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    public TransformTally Transform { get; } = new();

    /// <summary>The rejected records so far, in the order a successful run reports them.</summary>
    public Func<IReadOnlyList<LoadError>> Rejects { get; set; } = static () => [];

    /// <summary>Set just before <c>COMMIT</c> is sent: a failure from then on may have committed.</summary>
    public bool Committing { get; set; }

    public string Sources { get; } = $"songs: {request.SongsSource}\nevents: {request.EventsSource}" + (request.JsonPathsSource is { } p ? $"\njsonpaths: {p}" : "");

    public long SongFiles { get; set; }

    public long EventFiles { get; set; }

    public long SongsStaged { get; set; }

    public long EventsStaged { get; set; }

    public long BytesRead { get; set; }

    public long Rejected { get; set; }

    /// <summary>The run's use of the ledger, when its target keeps one; null: every listed file is read.</summary>
    public LoadLedger? Ledger { get; set; }

    public int MaxErrors => Request.MaxErrors!.Value;

    public void Report(string phase, long filesRead = 0, long? filesTotal = null, long? recordsStaged = null, long? bytesRead = null)
        => progress?.Report(new LoadProgress(phase, filesRead, filesTotal, recordsStaged ?? SongsStaged + EventsStaged, bytesRead ?? BytesRead, Clock.Elapsed));

    /// <summary>Forwards a staging COPY's progress as <paramref name="phase"/>.</summary>
    public IProgress<StagingProgress>? StagingProgress(string phase)
        => progress is null ? null : new ForwardingProgress<StagingProgress>(p => Report(phase, p.FilesRead, p.FilesTotal, p.RecordsStaged, p.BytesRead));

    /// <summary>The result the run records and returns when it commits; fixed the first time it is asked for.</summary>
    public LoadResult Succeeded() => _succeeded ??= Result(LoadRunStatus.Succeeded, Transform.ToCounts(), error: null);

    public LoadResult Failed(string error) => Result(LoadRunStatus.Failed, transform: null, error);

    private LoadResult Result(string status, TransformCounts? transform, string? error)
    {
        var rejects = Rejects();
        return new()
        {
            RunId = RunId,
            Status = status,
            SongFiles = SongFiles,
            EventFiles = EventFiles,
            FilesSkipped = Ledger?.Skipped ?? 0,
            BytesRead = BytesRead,
            SongsStaged = SongsStaged,
            EventsStaged = EventsStaged,
            Rejected = Math.Max(Rejected, rejects.Count),
            SongPlaysInserted = transform?.SongPlays ?? 0,
            UsersUpserted = transform?.Users ?? 0,
            SongsInserted = transform?.Songs ?? 0,
            ArtistsUpserted = transform?.Artists ?? 0,
            TimeInserted = transform?.Time ?? 0,
            Elapsed = Clock.Elapsed,
            FirstErrors = [.. rejects.Take(FirstErrorsKept)],
            Error = error,
        };
    }

    // Progress<T> would post each report to the thread pool, so reports could arrive after the next
    // phase's; forwarding on the reporting thread keeps them in order.
    private sealed class ForwardingProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

/// <summary>Thrown inside a load when rejects exceed the budget; becomes the run's error message.</summary>
internal sealed class RejectLimitExceededException(long rejected, int maxErrors, IReadOnlyList<LoadError> errors)
    : Exception($"{rejected} record(s) rejected, more than --max-errors {maxErrors}; nothing was changed (see load_errors)."
                + (errors.Count > 0 ? $" First: {errors[0].Source} line {errors[0].LineNumber}: {errors[0].Reason}." : ""));
