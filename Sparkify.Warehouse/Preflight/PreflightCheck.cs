namespace Sparkify.Warehouse.Preflight;

/// <summary>The outcome of one preflight check.</summary>
public enum PreflightStatus
{
    /// <summary>The check ran and found what a load needs.</summary>
    Pass,

    /// <summary>The check ran and found something that would make a load fail or misbehave.</summary>
    Fail,

    /// <summary>The check could not run (its input was not given, or an earlier check failed); not a failure.</summary>
    Skip,
}

/// <summary>One check of <see cref="WarehousePreflight.RunAsync"/> and what it found.</summary>
/// <param name="Name">A stable identifier: <c>connection</c>, <c>server</c>, <c>migrations</c>, <c>privileges</c>, <c>songs</c>, <c>events</c>, <c>jsonpaths</c> or <c>iam-role</c>.</param>
/// <param name="Status">Pass, fail or skip.</param>
/// <param name="Detail">What was found, in one line (never a password or secret key).</param>
/// <param name="Fix">What to do about it, in one line; null when the check passed.</param>
public sealed record PreflightCheck(string Name, PreflightStatus Status, string Detail, string? Fix = null);

/// <summary>What <see cref="WarehousePreflight.RunAsync"/> checks besides the warehouse itself; each source is optional.</summary>
public sealed record PreflightRequest
{
    /// <summary>The song data a load will read (local file or folder, or <c>s3://bucket/prefix</c>); null skips its check.</summary>
    public string? SongsSource { get; init; }

    /// <summary>The event logs a load will read; null skips their check.</summary>
    public string? EventsSource { get; init; }

    /// <summary>The JSONPaths file a load will use (local or <c>s3://</c>); null means the standard mapping (PostgreSQL) and is a failure on Redshift when events are given.</summary>
    public string? JsonPathsSource { get; init; }
}

/// <summary>Every check of one preflight run, in a fixed order.</summary>
/// <param name="Checks">One entry per check.</param>
public sealed record PreflightReport(IReadOnlyList<PreflightCheck> Checks)
{
    /// <summary>Whether no check failed (skipped checks do not count as failures).</summary>
    public bool Passed => Checks.All(c => c.Status != PreflightStatus.Fail);
}
