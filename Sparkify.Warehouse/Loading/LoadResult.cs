using Sparkify.Warehouse.Entities;

namespace Sparkify.Warehouse.Loading;

/// <summary>What a load did; the same numbers are recorded in its <c>load_runs</c> row.</summary>
public sealed record LoadResult
{
    /// <summary>The run's id in <c>load_runs</c> and <c>load_errors</c>.</summary>
    public required Guid RunId { get; init; }

    /// <summary><see cref="LoadRunStatus.Succeeded"/> or <see cref="LoadRunStatus.Failed"/>.</summary>
    public required string Status { get; init; }

    /// <summary>Song files read.</summary>
    public long SongFiles { get; init; }

    /// <summary>Event files read.</summary>
    public long EventFiles { get; init; }

    /// <summary>Bytes of JSON read (after decompression).</summary>
    public long BytesRead { get; init; }

    /// <summary>
    /// Files under the sources that this load did not read because the ledger (<c>load_files</c>) holds
    /// them unchanged from an earlier load (0 with <see cref="LoadRequest.Reload"/>).
    /// </summary>
    public long FilesSkipped { get; init; }

    /// <summary>Song records staged.</summary>
    public long SongsStaged { get; init; }

    /// <summary>Event records staged.</summary>
    public long EventsStaged { get; init; }

    /// <summary>Records rejected.</summary>
    public long Rejected { get; init; }

    /// <summary>Rows inserted into <c>songplays</c>.</summary>
    public long SongPlaysInserted { get; init; }

    /// <summary>Rows inserted or updated in <c>users</c>.</summary>
    public long UsersUpserted { get; init; }

    /// <summary>Rows inserted into <c>songs</c>.</summary>
    public long SongsInserted { get; init; }

    /// <summary>Rows inserted or updated in <c>artists</c>.</summary>
    public long ArtistsUpserted { get; init; }

    /// <summary>Rows inserted into <c>time</c>.</summary>
    public long TimeInserted { get; init; }

    /// <summary>How long the load took.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>The first rejected records (at most 20; all of them are in <c>load_errors</c>).</summary>
    public IReadOnlyList<LoadError> FirstErrors { get; init; } = [];

    /// <summary>Why the load failed; null when it succeeded.</summary>
    public string? Error { get; init; }
}
