using System.Threading.Channels;
using Npgsql;

namespace Sparkify.Warehouse.Loading.PostgreSql;

/// <summary>
/// Double-buffers a binary COPY: the caller fills <see cref="Current"/> while the buffers filled before
/// it are written to the server by a background task, so parsing JSON (on one core) and the server's
/// COPY (on the other) overlap instead of taking turns.
/// </summary>
/// <remarks>
/// A fixed set of <see cref="Depth"/> + 1 buffers circulates between the two sides, which keeps memory
/// flat whatever the input size: when the server is slower than the parser, the parser waits for a free
/// buffer. A failed write ends the background task; the caller sees that failure at its next hand-over
/// or at <see cref="CompleteAsync"/>.
/// </remarks>
internal sealed class PipelinedCopyWriter : IAsyncDisposable
{
    /// <summary>Filled buffers that may wait for the server at once.</summary>
    internal const int Depth = 3;

    private readonly Stream _copy;
    private readonly Channel<PgBinaryCopyBuffer> _filled = Channel.CreateBounded<PgBinaryCopyBuffer>(
        new BoundedChannelOptions(Depth) { SingleReader = true, SingleWriter = true });
    private readonly Channel<PgBinaryCopyBuffer> _free = Channel.CreateUnbounded<PgBinaryCopyBuffer>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly List<PgBinaryCopyBuffer> _buffers = [];
    private readonly CancellationTokenSource _stop;
    private readonly Task _sending;

    /// <param name="copy">Where the stream goes: Npgsql's raw COPY stream, or any stream for a dry run.</param>
    /// <param name="cancellationToken">Stops the sending.</param>
    public PipelinedCopyWriter(Stream copy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(copy);
        _copy = copy;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        for (var i = 0; i < Depth; i++)
        {
            var buffer = new PgBinaryCopyBuffer();
            _buffers.Add(buffer);
            _free.Writer.TryWrite(buffer);
        }

        Current = new PgBinaryCopyBuffer();
        _buffers.Add(Current);
        _sending = Task.Run(SendAsync, CancellationToken.None);
    }

    /// <summary>The buffer to write rows into.</summary>
    public PgBinaryCopyBuffer Current { get; private set; }

    /// <summary>Hands <see cref="Current"/> to the sender and continues with a free buffer.</summary>
    public async ValueTask HandOverAsync()
    {
        if (Current.Length == 0)
        {
            return;
        }

        try
        {
            await _filled.Writer.WriteAsync(Current, _stop.Token).ConfigureAwait(false);
            Current = await _free.Reader.ReadAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ChannelClosedException or OperationCanceledException && _sending.IsCompleted)
        {
            // The sender stopped: its own failure is the one to report.
            await _sending.ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sends what is left and waits until the server has received every buffer.</summary>
    public async Task CompleteAsync()
    {
        await HandOverAsync().ConfigureAwait(false);
        _filled.Writer.TryComplete();
        await _sending.ConfigureAwait(false);
    }

    /// <summary>Stops sending (after a failure or when the load gives up); buffers not yet sent are dropped.</summary>
    public async ValueTask DisposeAsync()
    {
        _filled.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _sending.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or NpgsqlException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The caller is already handling the failure that made it stop, or has seen this one.
        }

        _stop.Dispose();
        foreach (var buffer in _buffers)
        {
            buffer.Dispose();
        }
    }

    private async Task SendAsync()
    {
        try
        {
            await foreach (var buffer in _filled.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                await _copy.WriteAsync(buffer.WrittenMemory, _stop.Token).ConfigureAwait(false);
                buffer.Clear();
                _free.Writer.TryWrite(buffer);
            }
        }
        finally
        {
            // Wakes a producer waiting for a free buffer, or for room to hand one over, that will never come.
            _free.Writer.TryComplete();
            _filled.Writer.TryComplete();
        }
    }
}
