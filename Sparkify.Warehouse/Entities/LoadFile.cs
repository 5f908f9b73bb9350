namespace Sparkify.Warehouse.Entities;

/// <summary>
/// One input file a successful load consumed (table <c>load_files</c>, the ledger). A file is identified
/// by its URI; when it changes (size, ETag or modification time) and is loaded again, its row is replaced.
/// </summary>
public sealed class LoadFile
{
    /// <summary>The file's local path or <c>s3://bucket/key</c> URI, as <c>load_errors.source</c> records it.</summary>
    public string Uri { get; set; } = "";

    /// <summary>Size in bytes as stored (compressed for <c>.gz</c>).</summary>
    public long SizeBytes { get; set; }

    /// <summary>The S3 object's ETag as listed (with its quotes); null for local files.</summary>
    public string? ETag { get; set; }

    /// <summary>A local file's last write time, UTC, to the microsecond; null for S3 objects.</summary>
    public DateTime? ModifiedAt { get; set; }

    /// <summary>The run (<c>load_runs.run_id</c>) that loaded the file.</summary>
    public Guid RunId { get; set; }

    /// <summary>
    /// Records the file put into staging; null when not known per file: a Redshift <c>COPY</c> reports one
    /// count for all the files it read, so only a file that was the only one its <c>COPY</c> read has its own.
    /// </summary>
    public long? RecordsStaged { get; set; }

    /// <summary>Records of the file that were rejected (see <c>load_errors</c>).</summary>
    public long RecordsRejected { get; set; }

    /// <summary>When the load that consumed the file committed, UTC.</summary>
    public DateTime LoadedAt { get; set; }
}
