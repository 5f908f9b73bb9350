using System.IO.Enumeration;

namespace Sparkify.Warehouse.Loading.Sources;

/// <summary>One input file of a load: a local file or an S3 object.</summary>
internal abstract class SourceFile
{
    /// <summary>The local path or <c>s3://bucket/key</c> URI; what <c>load_errors.source</c> records.</summary>
    public abstract string Name { get; }

    /// <summary>Size in bytes as stored (compressed for <c>.gz</c>), when known.</summary>
    public abstract long? Length { get; }

    /// <summary>
    /// A token that changes whenever the content does (a local file's last write time, an S3 object's
    /// ETag), or null when the source has none.
    /// </summary>
    public virtual string? Version => null;

    /// <summary>Whether a file or key name is one a load reads: <c>*.json</c> or <c>*.json.gz</c>, in any case.</summary>
    public static bool IsJsonName(ReadOnlySpan<char> name)
        => name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".json.gz", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the stored bytes are gzip-compressed (the name ends in <c>.gz</c>).</summary>
    public bool IsGzip => Name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Opens the file's JSON text, decompressed when the name ends in <c>.gz</c>; reading a truncated or
    /// corrupt <c>.gz</c> fails with <see cref="InvalidDataException"/> (see <see cref="CheckedGzipStream"/>).
    /// </summary>
    public async Task<Stream> OpenReadAsync(CancellationToken cancellationToken)
    {
        var stored = await OpenRawAsync(cancellationToken).ConfigureAwait(false);
        return IsGzip ? new CheckedGzipStream(stored) : stored;
    }

    /// <summary>Opens the bytes as stored (still compressed for <c>.gz</c>).</summary>
    public Task<Stream> OpenStoredAsync(CancellationToken cancellationToken) => OpenRawAsync(cancellationToken);

    /// <summary>Opens the stored bytes.</summary>
    protected abstract Task<Stream> OpenRawAsync(CancellationToken cancellationToken);

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>A file on the local file system, with its size and last write time as listed.</summary>
internal sealed class LocalSourceFile(string path, long length, DateTime lastWriteTimeUtc) : SourceFile
{
    /// <summary>The file at <paramref name="file"/>'s path, as it is now.</summary>
    public LocalSourceFile(FileInfo file)
        : this(file.FullName, file.Length, file.LastWriteTimeUtc)
    {
    }

    public override string Name => path;

    public override long? Length => length;

    /// <summary>The last write time as listed, UTC.</summary>
    public DateTime LastWriteTimeUtc => lastWriteTimeUtc;

    public override string? Version => lastWriteTimeUtc.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture);

    protected override Task<Stream> OpenRawAsync(CancellationToken cancellationToken)
        => Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan));
}

/// <summary>Lists the files of a local source: one file, or a folder read recursively.</summary>
internal static class LocalSources
{
    /// <summary>
    /// The <c>*.json</c> and <c>*.json.gz</c> files of <paramref name="path"/> in ordinal path order, so
    /// a load reads files (and numbers rejects) the same way every time.
    /// </summary>
    public static IReadOnlyList<SourceFile> List(string path)
    {
        if (File.Exists(path))
        {
            return [new LocalSourceFile(new FileInfo(path))];
        }

        if (!Directory.Exists(path))
        {
            throw new WarehouseException($"Source '{path}' does not exist: give a file, a folder, or an s3://bucket/prefix URI.");
        }

        // Straight from the directory entries (size and time come with the enumeration's stat): a song
        // folder holds tens of thousands of files, listed while the event logs stream in.
        var files = new FileSystemEnumerable<LocalSourceFile>(
            path,
            (ref FileSystemEntry entry) => new LocalSourceFile(entry.ToFullPath(), entry.Length, entry.LastWriteTimeUtc.UtcDateTime),
            new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false, AttributesToSkip = FileAttributes.Hidden })
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) => !entry.IsDirectory && SourceFile.IsJsonName(entry.FileName),
        }.ToArray();
        Array.Sort(files, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return files;
    }
}
