namespace Sparkify.Warehouse.Loading.Pipeline;

/// <summary>
/// One target's way of loading (PostgreSQL, Redshift): what it reads before connecting and the one
/// <see cref="LoadPlan"/> a run executes and a dry-run prints. Retries, the run log's failure record
/// and progress are the target-neutral <see cref="WarehouseLoader"/>'s.
/// </summary>
internal interface ILoadPipeline : IAsyncDisposable
{
    /// <summary>The target's name in log messages.</summary>
    string Target { get; }

    /// <summary>Client work before the connection opens (e.g. listing S3); a failure here records no run.</summary>
    Task PrepareAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The steps of the run. Before <see cref="PrepareAsync"/> (a dry-run), whatever the
    /// run would decide from its inputs is written in the steps' notes.
    /// </summary>
    LoadPlan Build();
}
