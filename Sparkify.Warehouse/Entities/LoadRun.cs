namespace Sparkify.Warehouse.Entities;

/// <summary>Audit row for one load (table <c>load_runs</c>).</summary>
public sealed class LoadRun
{
    /// <summary>Identifies the run; also stamped on its <see cref="LoadError"/> rows.</summary>
    public Guid RunId { get; set; }

    /// <summary>When the run started, UTC.</summary>
    public DateTime StartedAt { get; set; }

    /// <summary>When the run ended, UTC; null while running.</summary>
    public DateTime? FinishedAt { get; set; }

    /// <summary><c>running</c>, <c>succeeded</c> or <c>failed</c> (see <see cref="LoadRunStatus"/>).</summary>
    public string Status { get; set; } = LoadRunStatus.Running;

    /// <summary>The sources the run read (song and event sources, JSONPaths), one per line.</summary>
    public string? Sources { get; set; }

    /// <summary>Event records staged.</summary>
    public long EventsStaged { get; set; }

    /// <summary>Song records staged.</summary>
    public long SongsStaged { get; set; }

    /// <summary>Records rejected (see <c>load_errors</c>).</summary>
    public long RowsRejected { get; set; }

    /// <summary>Rows inserted into <c>songplays</c>.</summary>
    public long SongPlaysInserted { get; set; }

    /// <summary>Rows inserted or updated in <c>users</c>.</summary>
    public long UsersUpserted { get; set; }

    /// <summary>Rows inserted into <c>songs</c>.</summary>
    public long SongsInserted { get; set; }

    /// <summary>Rows inserted or updated in <c>artists</c>.</summary>
    public long ArtistsUpserted { get; set; }

    /// <summary>Rows inserted into <c>time</c>.</summary>
    public long TimeInserted { get; set; }

    /// <summary>Why the run failed; null otherwise. Never holds credentials.</summary>
    public string? Error { get; set; }
}

/// <summary>The values of <see cref="LoadRun.Status"/>.</summary>
public static class LoadRunStatus
{
    /// <summary>The run has started and not yet ended.</summary>
    public const string Running = "running";

    /// <summary>The run committed its changes.</summary>
    public const string Succeeded = "succeeded";

    /// <summary>The run ended without changing the star tables.</summary>
    public const string Failed = "failed";
}
