using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Loading.Sources;

namespace Sparkify.Warehouse.Loading.Ledger;

/// <summary>What identifies a file's content for the ledger: its URI, size and ETag (S3) or last write time (local).</summary>
internal readonly record struct FileIdentity(string Uri, long? SizeBytes, string? ETag, DateTime? ModifiedAt)
{
    public static FileIdentity Of(SourceFile file) => file switch
    {
        S3SourceFile s3 => new FileIdentity(s3.Name, s3.Length, s3.ETag, null),
        LocalSourceFile local => new FileIdentity(local.Name, local.Length, null, local.LastWriteTimeUtc),
        _ => new FileIdentity(file.Name, file.Length, null, null),
    };

    /// <summary>
    /// The ledger row recording that run <paramref name="runId"/> consumed this file. The time is cut to
    /// the microsecond the database keeps and has no kind, as <c>timestamp without time zone</c> takes it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The file's size is unknown: such a file cannot be recorded as loaded.</exception>
    public LoadFile ToLedgerRow(Guid runId, long? recordsStaged, long recordsRejected, DateTime loadedAtUtc) => new()
    {
        Uri = Uri,
        SizeBytes = SizeBytes ?? throw new InvalidOperationException($"{Uri} has no known size; list it before recording it."),
        ETag = ETag,
        ModifiedAt = ModifiedAt is { } modified ? AsTimestamp(new DateTime(modified.Ticks - (modified.Ticks % TimeSpan.TicksPerMicrosecond))) : null,
        RunId = runId,
        RecordsStaged = recordsStaged,
        RecordsRejected = recordsRejected,
        LoadedAt = AsTimestamp(loadedAtUtc),
    };

    private static DateTime AsTimestamp(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Unspecified);
}

/// <summary>The decision for one listed file: how it compares with the ledger and whether the next load reads it.</summary>
internal readonly record struct FileDecision(FileIdentity File, LedgerFileStatus Status, bool Read, LoadFile? Loaded);

/// <summary>
/// Decides which listed files a load reads: by default only those the ledger does not hold unchanged;
/// with reload, every one. Pure: the listing and the ledger rows come in, decisions go out in listing order.
/// </summary>
internal static class FileSelection
{
    /// <summary>
    /// The ledger stores times to the microsecond (PostgreSQL and Redshift timestamps), and a writer may
    /// round or truncate the 100 ns ticks of a file time; anything closer than a microsecond is the same time.
    /// </summary>
    private static readonly long TimeToleranceTicks = TimeSpan.TicksPerMicrosecond;

    public static IReadOnlyList<FileDecision> Decide(IEnumerable<FileIdentity> listed, IReadOnlyDictionary<string, LoadFile> ledger, bool reload)
    {
        ArgumentNullException.ThrowIfNull(listed);
        ArgumentNullException.ThrowIfNull(ledger);
        return [.. listed.Select(file => Decide(file, ledger, reload))];
    }

    /// <summary>The decision for one listed file: how it compares with its ledger row and whether a load reads it.</summary>
    public static FileDecision Decide(FileIdentity file, IReadOnlyDictionary<string, LoadFile> ledger, bool reload)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var loaded = ledger.GetValueOrDefault(file.Uri);
        var status = Compare(file, loaded);
        return new FileDecision(file, status, reload || status != LedgerFileStatus.Unchanged, loaded);
    }

    /// <summary>
    /// Whether a load reads the file <paramref name="decision"/> is about: a backfill (events only) reads
    /// exactly the files of its days, loaded before or not; otherwise the decision stands.
    /// </summary>
    public static bool Reads(FileDecision decision, Backfill? eventBackfill, EventFileDatePattern pattern)
        => eventBackfill is null ? decision.Read : eventBackfill.Includes(pattern.DateOf(decision.File.Uri));

    /// <summary>How <paramref name="file"/> compares with its ledger row (null when there is none).</summary>
    public static LedgerFileStatus Compare(FileIdentity file, LoadFile? loaded)
    {
        if (loaded is null)
        {
            return LedgerFileStatus.New;
        }

        // An unknown size cannot be shown unchanged, so the file is read again (natural keys keep that exact).
        if (file.SizeBytes is not { } size || size != loaded.SizeBytes)
        {
            return LedgerFileStatus.Changed;
        }

        if (!string.Equals(file.ETag, loaded.ETag, StringComparison.Ordinal))
        {
            return LedgerFileStatus.Changed;
        }

        return (file.ModifiedAt, loaded.ModifiedAt) switch
        {
            (null, null) => LedgerFileStatus.Unchanged,
            ({ } listedTime, { } loadedTime) when Math.Abs(listedTime.Ticks - loadedTime.Ticks) < TimeToleranceTicks => LedgerFileStatus.Unchanged,
            _ => LedgerFileStatus.Changed,
        };
    }
}
