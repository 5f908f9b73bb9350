using System.Runtime.CompilerServices;
using Amazon.S3;
using Amazon.S3.Model;

namespace Sparkify.Warehouse.Loading.Sources;

/// <summary>
/// Turns what the user named as a source (a local file, a local folder or an <c>s3://bucket/prefix</c>
/// URI) into the files to load, and reads small single files such as the JSONPaths file. Owns the S3
/// clients it creates, at most two (anonymous and signed), made on first use.
/// </summary>
internal sealed class SourceResolver(S3Settings? settings = null) : IDisposable
{
    /// <summary>The largest single file <see cref="ReadAllBytesAsync"/> reads (JSONPaths files are a few hundred bytes).</summary>
    public const int MaxSmallFileBytes = 1 << 20;

    private readonly S3Settings _settings = settings ?? new S3Settings();
    private readonly Lock _clientsLock = new();
    private AmazonS3Client? _anonymousClient;
    private AmazonS3Client? _signedClient;
    private bool _disposed;

    /// <summary>Objects per ListObjectsV2 page; S3's maximum. Tests lower it to exercise paging.</summary>
    internal int ListPageSize { get; init; } = 1000;

    /// <summary>
    /// The <c>*.json</c> and <c>*.json.gz</c> files of <paramref name="source"/> in ordinal order of
    /// their path or key. For S3 that is every matching object whose key starts with the prefix, as
    /// Redshift <c>COPY</c> reads a prefix (so <c>s3://b/log</c> also matches <c>log_data/...</c>).
    /// </summary>
    /// <exception cref="WarehouseException">The source is invalid, unreachable, or has no such files.</exception>
    public async IAsyncEnumerable<SourceFile> ListAsync(string source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var files = S3Location.IsS3Uri(source)
            ? await ListS3Async(S3Location.Parse(source, "Source"), cancellationToken).ConfigureAwait(false)
            : ListLocal(source);

        if (files.Count == 0)
        {
            throw new WarehouseException($"Source {InputDisplay.Quote(source)} has no *.json or *.json.gz files.");
        }

        foreach (var file in files)
        {
            yield return file;
        }
    }

    /// <summary>
    /// The content of one small file (decompressed if its name ends in <c>.gz</c>), local or in S3, at
    /// most <see cref="MaxSmallFileBytes"/> bytes.
    /// </summary>
    /// <exception cref="WarehouseException">The file is missing, unreadable or too large.</exception>
    public async Task<byte[]> ReadAllBytesAsync(string source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        SourceFile file;
        if (S3Location.IsS3Uri(source))
        {
            var location = S3Location.Parse(source, "File");
            if (location.Key.Length == 0 || location.Key.EndsWith('/'))
            {
                throw new WarehouseException($"File {InputDisplay.Quote(source)} names a bucket or folder, not an S3 object.");
            }

            file = new S3SourceFile(ClientFor(location.Bucket), location, length: null, S3ClientFactory.DescribeEndpoint(_settings));
        }
        else
        {
            RefuseOtherSchemes(source);
            if (!File.Exists(source))
            {
                throw new WarehouseException(Directory.Exists(source)
                    ? $"File {InputDisplay.Quote(source)} is a folder; a single file is needed here."
                    : $"File {InputDisplay.Quote(source)} does not exist.");
            }

            file = new LocalSourceFile(new FileInfo(source));
        }

        if (file.Length > MaxSmallFileBytes)
        {
            throw TooLarge(file);
        }

        var content = await file.OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using (content.ConfigureAwait(false))
        {
            // Read one byte past the cap so an oversized object is detected without buffering all of it.
            var buffer = new byte[MaxSmallFileBytes + 1];
            var total = 0;
            int read;
            while (total < buffer.Length && (read = await content.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
            }

            return total > MaxSmallFileBytes ? throw TooLarge(file) : buffer[..total];
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_clientsLock)
        {
            _disposed = true;
            _anonymousClient?.Dispose();
            _signedClient?.Dispose();
            _anonymousClient = null;
            _signedClient = null;
        }
    }

    /// <summary>The client for <paramref name="bucket"/>: anonymous or signed per <see cref="S3Settings.Anonymous"/>.</summary>
    internal IAmazonS3 ClientFor(string bucket)
    {
        var anonymous = S3ClientFactory.IsAnonymous(_settings, bucket);
        lock (_clientsLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return anonymous
                ? _anonymousClient ??= S3ClientFactory.Create(_settings, anonymous: true)
                : _signedClient ??= S3ClientFactory.Create(_settings, anonymous: false);
        }
    }

    private static IReadOnlyList<SourceFile> ListLocal(string source)
    {
        RefuseOtherSchemes(source);
        return LocalSources.List(source);
    }

    private static void RefuseOtherSchemes(string source)
    {
        // Without this, https://... or gs://... would surface as a puzzling "does not exist".
        var scheme = source.IndexOf("://", StringComparison.Ordinal);
        if (scheme > 0 && source[..scheme].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.'))
        {
            throw new WarehouseException($"Source {InputDisplay.Quote(source)} uses an unsupported scheme: give a local file or folder, or an s3://bucket/prefix URI.");
        }
    }

    private static WarehouseException TooLarge(SourceFile file)
        => new($"File {file.Name} is larger than {MaxSmallFileBytes / 1024} KB; this file is expected to be small (a JSONPaths file is a few hundred bytes).");

    private async Task<IReadOnlyList<SourceFile>> ListS3Async(S3Location prefix, CancellationToken cancellationToken)
    {
        var client = ClientFor(prefix.Bucket);
        var endpoint = S3ClientFactory.DescribeEndpoint(_settings);
        var files = new List<S3SourceFile>();
        await foreach (var item in ListObjectsAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            if (!item.Key.EndsWith('/') && SourceFile.IsJsonName(item.Key))
            {
                files.Add(new S3SourceFile(client, prefix.WithKey(item.Key), item.Size, endpoint) { ETag = item.ETag });
            }
        }

        // S3 already lists in UTF-8 byte order; sorting again pins the order for stores that do not.
        return [.. files.OrderBy(f => f.Location.Key, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The keys under an S3 prefix that are neither <c>*.json</c>/<c>*.json.gz</c> files nor folder
    /// markers, in key order. <see cref="ListAsync"/> skips them, but Redshift <c>COPY</c> reads every
    /// object under a prefix and would fail on them, so a Redshift load checks this first.
    /// </summary>
    /// <exception cref="WarehouseException">The URI is invalid or the listing fails.</exception>
    public async Task<IReadOnlyList<string>> ListNonJsonKeysAsync(string s3Prefix, CancellationToken cancellationToken)
    {
        var prefix = S3Location.Parse(s3Prefix, "Source");
        var keys = new List<string>();
        await foreach (var item in ListObjectsAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            if (!item.Key.EndsWith('/') && !SourceFile.IsJsonName(item.Key))
            {
                keys.Add(item.Key);
            }
        }

        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    private async IAsyncEnumerable<S3Object> ListObjectsAsync(S3Location prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var client = ClientFor(prefix.Bucket);
        var request = new ListObjectsV2Request { BucketName = prefix.Bucket, Prefix = prefix.Key, MaxKeys = ListPageSize };
        while (true)
        {
            ListObjectsV2Response page;
            try
            {
                page = await client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (S3Errors.Translate(ex, prefix, S3ClientFactory.DescribeEndpoint(_settings), cancellationToken) is { } translated)
            {
                throw translated;
            }

            // AWSSDK 4 leaves collections null instead of empty when a page has no objects.
            foreach (var item in page.S3Objects ?? [])
            {
                yield return item;
            }

            if (page.IsTruncated != true || string.IsNullOrEmpty(page.NextContinuationToken))
            {
                yield break;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
    }
}
