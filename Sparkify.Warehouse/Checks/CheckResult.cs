namespace Sparkify.Warehouse.Checks;

/// <summary>The outcome of one data-quality check.</summary>
public enum CheckStatus
{
    /// <summary>The check ran and found nothing wrong.</summary>
    Passed,

    /// <summary>The check ran and found rows that break it.</summary>
    Failed,

    /// <summary>The check does not apply to this warehouse's state (e.g. no successful load yet); not a failure.</summary>
    Skipped,
}

/// <summary>One data-quality check of <see cref="WarehouseChecks.RunAsync"/> and what it found.</summary>
/// <param name="Name">A stable identifier, e.g. <c>songplays.user-exists</c>.</param>
/// <param name="Description">What must hold, in a sentence.</param>
/// <param name="Status">Passed, failed or skipped.</param>
/// <param name="Detail">What was found: counts, an example key, or why the check was skipped.</param>
public sealed record CheckResult(string Name, string Description, CheckStatus Status, string Detail);
