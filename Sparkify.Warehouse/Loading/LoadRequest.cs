namespace Sparkify.Warehouse.Loading;

/// <summary>What one load reads and how strictly.</summary>
public sealed record LoadRequest
{
    /// <summary>The song data: a local file, a local folder (recursive, <c>*.json</c> and <c>*.json.gz</c>), or <c>s3://bucket/prefix</c>.</summary>
    public required string SongsSource { get; init; }

    /// <summary>The event logs (JSON Lines): a local file, a local folder, or <c>s3://bucket/prefix</c>.</summary>
    public required string EventsSource { get; init; }

    /// <summary>
    /// The JSONPaths file that maps event keys to <c>staging_events</c> columns by position (local or
    /// <c>s3://</c>); null means the contract's default mapping (on Redshift an S3 JSONPaths file is required).
    /// </summary>
    public string? JsonPathsSource { get; init; }

    /// <summary>
    /// How many records may be rejected before the load fails (Redshift's <c>MAXERROR</c>); null means
    /// <see cref="WarehouseOptions.MaxErrors"/> (default 0).
    /// </summary>
    public int? MaxErrors { get; init; }

    /// <summary>The largest <see cref="MaxErrors"/> accepted: Redshift's limit for <c>MAXERROR</c>.</summary>
    public const int MaxErrorsLimit = 100_000;

    /// <summary>Empties the star tables before loading, instead of merging into them.</summary>
    public bool FullRefresh { get; init; }

    /// <summary>
    /// Reads every file under the sources. By default a load reads only the files the ledger
    /// (<c>load_files</c>) does not hold unchanged: new files, and files whose size, ETag or modification
    /// time changed since they were loaded.
    /// </summary>
    public bool Reload { get; init; }

    /// <summary>
    /// With <see cref="Until"/>, a backfill: only the event files whose key names a day from this date
    /// on (inclusive; found by <see cref="WarehouseOptions.EventFileDatePattern"/>) are read, loaded
    /// before or not. Event files whose key names no date are not part of a backfill. Null: no lower bound.
    /// On Redshift a backfill needs <see cref="RedshiftSettings.ManifestPrefix"/>: without one a load
    /// there <c>COPY</c>s every file under its sources, and a backfill is refused.
    /// </summary>
    public DateOnly? Since { get; init; }

    /// <summary>The last day (inclusive) of a backfill; see <see cref="Since"/>. Null: no upper bound. Must not be before <see cref="Since"/>.</summary>
    public DateOnly? Until { get; init; }
}
