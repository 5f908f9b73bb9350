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

    /// <summary>Empties the star tables before loading, instead of merging into them.</summary>
    public bool FullRefresh { get; init; }
}
