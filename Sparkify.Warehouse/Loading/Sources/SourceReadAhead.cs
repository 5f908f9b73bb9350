using System.Runtime.CompilerServices;

namespace Sparkify.Warehouse.Loading.Sources;

/// <summary>
/// Opens the files of a load in order while fetching the next few remote ones concurrently: the
/// Sparkify data is thousands of objects of a few KB, where one-by-one requests would spend nearly
/// all their time waiting on round trips.
/// </summary>
internal static class SourceReadAhead
{
    /// <summary>How many files are fetched ahead by default.</summary>
    public const int DefaultConcurrency = 8;

    /// <summary>
    /// Remote files up to this size (as stored) are buffered in memory while they wait their turn;
    /// larger ones are streamed when reached. Memory is so bounded by concurrency times this size.
    /// </summary>
    public const long DefaultBufferLimit = 8 * 1024 * 1024;

    private const int FetchAttempts = 3;

    /// <summary>
    /// Yields every file of <paramref name="files"/> with its JSON text (decompressed for
    /// <c>.gz</c>), in the same order, while up to <paramref name="concurrency"/> remote files at a
    /// time are fetched ahead into memory. Local files and remote files larger than
    /// <paramref name="bufferLimit"/> or of unknown size are opened only when reached, so they are
    /// streamed, never buffered. The caller disposes each yielded stream. A file that cannot be read
    /// fails the enumeration when it is reached, after the files before it were yielded. Stopping
    /// early cancels and releases whatever was fetched ahead.
    /// </summary>
    /// <exception cref="WarehouseException">A remote file could not be read.</exception>
    public static async IAsyncEnumerable<(SourceFile File, Stream Content)> ReadAheadAsync(
        IReadOnlyList<SourceFile> files,
        int concurrency = DefaultConcurrency,
        [EnumeratorCancellation] CancellationToken cancellationToken = default,
        long bufferLimit = DefaultBufferLimit)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(bufferLimit);

        using var aheadCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // One entry per file from the current one on: a running fetch, or null for "open when reached".
        var window = new Queue<Task<Stream>?>(concurrency);
        var scheduled = 0;
        try
        {
            for (var current = 0; current < files.Count; current++)
            {
                while (scheduled < files.Count && scheduled < current + concurrency)
                {
                    var file = files[scheduled++];
                    window.Enqueue(file.IsRemote && file.Length is { } length && length <= bufferLimit
                        ? BufferAsync(file, aheadCancellation.Token)
                        : null);
                }

                var fetch = window.Dequeue();
                var content = fetch is null
                    ? await files[current].OpenReadAsync(cancellationToken).ConfigureAwait(false)
                    : await fetch.ConfigureAwait(false);
                yield return (files[current], content);
            }
        }
        finally
        {
            await aheadCancellation.CancelAsync().ConfigureAwait(false);
            while (window.TryDequeue(out var pending))
            {
                if (pending is not null)
                {
                    await DisposeQuietlyAsync(pending).ConfigureAwait(false);
                }
            }
        }
    }

    private static async Task<Stream> BufferAsync(SourceFile file, CancellationToken cancellationToken)
    {
        // Let the caller's enumeration get ahead of this task before the first network call.
        await Task.Yield();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var stored = await file.OpenStoredAsync(cancellationToken).ConfigureAwait(false);
                var buffer = new MemoryStream(file.Length is { } length ? (int)length : 0);
                await using (stored.ConfigureAwait(false))
                {
                    await stored.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                }

                buffer.Position = 0;

                // The buffer keeps the stored (compressed) bytes, so memory follows object sizes, not
                // decompressed sizes; decompression happens as the caller reads.
                return file.Decode(buffer);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
            {
                // The SDK retries requests, but not a body cut off halfway through; refetch the object.
                if (attempt == FetchAttempts)
                {
                    throw new WarehouseException($"Reading {file.Name} failed {FetchAttempts} times: {ex.Message}", ex);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task DisposeQuietlyAsync(Task<Stream> pending)
    {
        try
        {
            await (await pending.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WarehouseException or IOException or HttpRequestException)
        {
            // A fetch nobody will read any more: its failure or cancellation is of no interest.
        }
    }
}
