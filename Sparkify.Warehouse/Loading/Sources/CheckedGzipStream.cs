using System.Buffers.Binary;
using System.IO.Compression;

namespace Sparkify.Warehouse.Loading.Sources;

/// <summary>
/// Decompresses a <c>.gz</c> file and fails, instead of ending quietly, when the file stops early.
/// </summary>
/// <remarks>
/// <para><see cref="GZipStream"/> verifies the CRC-32 and length in a gzip trailer when it reaches one,
/// but when the compressed data simply ends (a half-uploaded or half-copied file) it reports a normal
/// end of stream, and a load would quietly stage the first part of the file. Redshift's COPY fails on
/// such a file, and so does this stream: at the end it compares the trailer's length field (the last
/// four bytes, the uncompressed size mod 2^32) with what was decompressed. A truncated file ends in
/// compressed data instead, which matches by chance once in four billion.</para>
/// <para>A zero-byte file is an empty file, as an empty <c>.json</c> is. Files made of several
/// concatenated gzip members are not supported: their last trailer covers only the last member.</para>
/// </remarks>
internal sealed class CheckedGzipStream : ReadOnlyStream
{
    private const int TrailerBytes = 8;

    private readonly TailStream _compressed;
    private readonly GZipStream _gzip;
    private long _decompressed;
    private bool _ended;

    public CheckedGzipStream(Stream compressed)
    {
        _compressed = new TailStream(compressed);
        _gzip = new GZipStream(_compressed, CompressionMode.Decompress);
    }

    public override int Read(Span<byte> buffer)
    {
        int read;
        try
        {
            read = _gzip.Read(buffer);
        }
        catch (InvalidDataException ex)
        {
            throw NotGzip(ex);
        }

        return Account(read, buffer.Length);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read;
        try
        {
            read = await _gzip.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            throw NotGzip(ex);
        }

        return Account(read, buffer.Length);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gzip.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _gzip.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private int Account(int read, int requested)
    {
        _decompressed += read;
        if (read > 0 || requested == 0 || _ended)
        {
            return read;
        }

        _ended = true;
        if (_compressed.Total == 0)
        {
            return 0;
        }

        if (_compressed.Total < TrailerBytes || BinaryPrimitives.ReadUInt32LittleEndian(_compressed.Tail[4..]) != (uint)_decompressed)
        {
            throw new InvalidDataException("the gzip data ends early: the file is truncated (or made of several gzip members, which are not supported)");
        }

        return 0;
    }

    private static InvalidDataException NotGzip(InvalidDataException inner)
        => new($"it is not valid gzip data ({inner.Message.TrimEnd('.')})", inner);

    /// <summary>Passes reads through, remembering how many bytes went by and the last eight of them.</summary>
    private sealed class TailStream(Stream inner) : ReadOnlyStream
    {
        private readonly byte[] _tail = new byte[TrailerBytes];

        public long Total { get; private set; }

        /// <summary>The last (up to) eight bytes read, oldest first.</summary>
        public ReadOnlySpan<byte> Tail => _tail;

        public override int Read(Span<byte> buffer)
        {
            var read = inner.Read(buffer);
            Remember(buffer[..read]);
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            Remember(buffer.Span[..read]);
            return read;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }

        private void Remember(ReadOnlySpan<byte> read)
        {
            Total += read.Length;
            if (read.Length >= TrailerBytes)
            {
                read[^TrailerBytes..].CopyTo(_tail);
                return;
            }

            // Shift the kept bytes left and append the new ones.
            _tail.AsSpan(read.Length).CopyTo(_tail);
            read.CopyTo(_tail.AsSpan(TrailerBytes - read.Length));
        }
    }
}

/// <summary>What a forward-only, read-only stream answers to everything but reading.</summary>
internal abstract class ReadOnlyStream : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
