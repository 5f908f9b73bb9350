namespace Sparkify.Warehouse.Loading.Pipeline;

/// <summary>
/// Everything one load sends, in order: the run executes these steps and <c>--dry-run</c> prints them.
/// </summary>
/// <param name="Prologue">Before the run is recorded: a failure here leaves no failed run behind.</param>
/// <param name="Body">The run itself, from <c>BEGIN</c> to <c>COMMIT</c>; a failure rolls back and is recorded.</param>
/// <param name="Cleanup">After the outcome is recorded, whatever it was (e.g. releasing a lock); failures are only logged.</param>
internal sealed record LoadPlan(IReadOnlyList<LoadStep> Prologue, IReadOnlyList<LoadStep> Body, IReadOnlyList<LoadStep> Cleanup)
{
    /// <summary>
    /// After a failed body is rolled back, on a second connection, before the failure is recorded: e.g.
    /// recording the rejects of a COPY whose failure aborted the transaction they were written in.
    /// Failures here are only logged.
    /// </summary>
    public IReadOnlyList<LoadStep> OnFailure { get; init; } = [];

    /// <summary>The statements as the dry-run prints them.</summary>
    public IReadOnlyList<string> Statements()
        => [.. Prologue.Concat(Body).Concat(OnFailure).Concat(Cleanup).Where(step => step.Sql is not null).Select(step => step.Display())];
}
