using System.Buffers;

namespace Sparkify.Warehouse.Loading.Sources;

/// <summary>A file opened ahead of time, with its first bytes already read.</summary>
internal sealed class PrefetchedSource : IAsyncDisposable
{
    public PrefetchedSource(SourceFile file, byte[] pooledBuffer, int length, Stream? remainder)
    {
        File = file;
        Buffer = pooledBuffer;
        Length = length;
        Remainder = remainder;
    }

    public SourceFile File { get; }

    /// <summary>A buffer from <see cref="ArrayPool{T}.Shared"/> holding the first <see cref="Length"/> bytes.</summary>
    public byte[] Buffer { get; private set; }

    public int Length { get; }

    /// <summary>The remainder of the file, or null when <see cref="Buffer"/> holds all of it.</summary>
    public Stream? Remainder { get; private set; }

    /// <summary>Hands the buffer and stream to a new owner, who must release them.</summary>
    public (byte[] Buffer, Stream? Remainder) Detach()
    {
        var detached = (Buffer, Remainder);
        Buffer = [];
        Remainder = null;
        return detached;
    }

    public async ValueTask DisposeAsync()
    {
        var (buffer, remainder) = Detach();
        if (remainder is not null)
        {
            await remainder.DisposeAsync().ConfigureAwait(false);
        }

        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>
/// Hands out a load's files in order while up to <c>window</c> of the following ones are already being
/// opened and their first chunk read. Song data is thousands of tiny objects: on S3 each costs a
/// request round trip, which this overlaps with parsing instead of adding up file after file; the
/// first chunk of a small file is the whole file.
/// </summary>
internal sealed class SourcePrefetcher : IAsyncDisposable
{
    /// <summary>Bytes read ahead per file; song files and most log files fit entirely.</summary>
    internal const int FirstChunkBytes = 64 * 1024;

    private readonly IReadOnlyList<SourceFile> _files;
    private readonly int _window;
    private readonly CancellationTokenSource _cancellation;
    private readonly Queue<Task<PrefetchedSource>> _pending = new();
    private int _next;

    public SourcePrefetcher(IReadOnlyList<SourceFile> files, int window, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        _files = files;
        _window = window;
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
    }

    /// <summary>The next file in order, or null after the last; the caller disposes it.</summary>
    /// <exception cref="WarehouseException">The file cannot be opened or read.</exception>
    public async ValueTask<PrefetchedSource?> NextAsync()
    {
        while (_pending.Count < _window && _next < _files.Count)
        {
            var file = _files[_next++];
            var token = _cancellation.Token;
            _pending.Enqueue(IsSmallLocal(file)
                ? ReadSmallLocal(file, token)
                : Task.Run(() => OpenAsync(file, token), token));
        }

        return _pending.Count == 0 ? null : await _pending.Dequeue().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _cancellation.CancelAsync().ConfigureAwait(false);
        while (_pending.TryDequeue(out var pending))
        {
            try
            {
                await (await pending.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or WarehouseException)
            {
                // A file opened ahead that nobody will read: its failure no longer matters (and every
                // other failure of OpenAsync arrives here as a WarehouseException).
            }
        }

        _cancellation.Dispose();
    }

    private static bool IsSmallLocal(SourceFile file)
    {
        try
        {
            // Empty-looking files go the ordinary way too: named pipes and devices report no size.
            return file is LocalSourceFile { IsGzip: false, Length: > 0 and < FirstChunkBytes };
        }
        catch (IOException)
        {
            // Gone since it was listed: the ordinary path reports that in the file's turn.
            return false;
        }
    }

    /// <summary>
    /// Reads a small local file whole, on the calling thread: from the page cache that takes
    /// microseconds, less than handing it to the thread pool would, and it needs no stream. Song data
    /// is thousands of such files. A file that has grown past the first chunk since it was listed is
    /// opened the ordinary way instead.
    /// </summary>
    private static Task<PrefetchedSource> ReadSmallLocal(SourceFile file, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(FirstChunkBytes);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            int length;
            using (var handle = System.IO.File.OpenHandle(file.Name, FileMode.Open, FileAccess.Read, FileShare.Read))
            {
                length = 0;
                int read;
                while (length < buffer.Length && (read = RandomAccess.Read(handle, buffer.AsSpan(length), length)) > 0)
                {
                    length += read;
                }
            }

            if (length == buffer.Length)
            {
                return Task.Run(() => OpenAsync(file, cancellationToken), cancellationToken);
            }

            var prefetched = new PrefetchedSource(file, buffer, length, remainder: null);
            buffer = [];
            return Task.FromResult(prefetched);
        }
        catch (Exception ex) when (IsReadFailure(ex))
        {
            return Task.FromException<PrefetchedSource>(SourceReadFailed(file, ex));
        }
        catch (OperationCanceledException ex)
        {
            return Task.FromCanceled<PrefetchedSource>(ex.CancellationToken);
        }
        finally
        {
            if (buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static async Task<PrefetchedSource> OpenAsync(SourceFile file, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(FirstChunkBytes);
        Stream? stream = null;
        try
        {
            stream = await file.OpenReadAsync(cancellationToken).ConfigureAwait(false);
            var length = 0;
            while (length < buffer.Length)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    await stream.DisposeAsync().ConfigureAwait(false);
                    stream = null;
                    break;
                }

                length += read;
            }

            var prefetched = new PrefetchedSource(file, buffer, length, stream);
            stream = null;
            buffer = [];
            return prefetched;
        }
        catch (Exception ex) when (IsReadFailure(ex))
        {
            throw SourceReadFailed(file, ex);
        }
        finally
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            if (buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="exception"/>, thrown while opening or reading a source, means the source
    /// cannot be read. That is anything but cancellation and an already user-facing failure: besides
    /// I/O errors and corrupt gzip, remote sources fail with their SDK's and HTTP's own exception types.
    /// </summary>
    internal static bool IsReadFailure(Exception exception) => exception is not (OperationCanceledException or WarehouseException);

    /// <summary>The user-facing failure for a file that cannot be read (missing, unreadable, corrupt gzip).</summary>
    internal static WarehouseException SourceReadFailed(SourceFile file, Exception cause)
        => new($"Could not read '{file.Name}': {cause.Message}", cause);
}
