namespace Sparkify.Warehouse.Generation;

/// <summary>What <see cref="SparkifyDataGenerator.GenerateAsync"/> writes, where, and from which seed.</summary>
public sealed record GenerationOptions
{
    /// <summary>The most days one dataset may span (ten years).</summary>
    public const int MaxDays = 3660;

    /// <summary>
    /// The folder to write into. It must not exist or be empty, unless <see cref="ReplaceExisting"/> is set.
    /// </summary>
    public required string OutputDirectory { get; init; }

    /// <summary>How many song files (one song each) to write under <c>song_data/</c>; default 1,000.</summary>
    public int Songs { get; init; } = 1000;

    /// <summary>How many events (log lines) to write under <c>log_data/</c>, across all days; default 10,000.</summary>
    public int Events { get; init; } = 10_000;

    /// <summary>How many consecutive UTC days the events span, one log file per day; default 30.</summary>
    public int Days { get; init; } = 30;

    /// <summary>The first day of the logs (UTC); default 2018-11-01, the month of the real Sparkify logs.</summary>
    public DateOnly StartDate { get; init; } = new(2018, 11, 1);

    /// <summary>The seed: the same options always produce the same bytes, on every platform.</summary>
    public long Seed { get; init; } = 42;

    /// <summary>
    /// Allows a non-empty <see cref="OutputDirectory"/>: its <c>song_data/</c>, <c>log_data/</c> and
    /// <c>log_json_path.json</c> are deleted first (whatever else the folder holds is left alone).
    /// </summary>
    public bool ReplaceExisting { get; init; }
}
