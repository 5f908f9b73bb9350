using System.Buffers;
using System.Buffers.Binary;

namespace Sparkify.Warehouse.Loading.PostgreSql;

/// <summary>
/// Builds PostgreSQL's binary COPY format (the <c>FORMAT BINARY</c> stream of <c>COPY ... FROM STDIN</c>)
/// in a pooled buffer: the 19-byte header, then per row a 16-bit field count and, per field, a 32-bit
/// length (-1 for NULL) followed by the value in network byte order, then the 16-bit -1 trailer.
/// </summary>
/// <remarks>
/// Written by hand rather than through <c>NpgsqlBinaryImporter</c> so that values go from the JSON
/// input's UTF-8 bytes straight into the stream, without a .NET string or a boxed value per field.
/// The wire encodings used: <c>int4</c> and <c>int8</c> big-endian two's complement, <c>float8</c>
/// big-endian IEEE 754, <c>varchar</c> the raw bytes in the client encoding, which Npgsql sets to UTF-8
/// (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4).
/// </remarks>
internal sealed class PgBinaryCopyBuffer : IDisposable
{
    private const int InitialCapacity = 64 * 1024;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialCapacity);
    private int _length;
    private bool _disposed;

    /// <summary>"PGCOPY\n\377\r\n\0", the fixed signature that opens every binary COPY stream.</summary>
    internal static ReadOnlySpan<byte> Signature => [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0];

    /// <summary>Bytes waiting to be sent.</summary>
    public int Length => _length;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>Forgets the bytes written so far (after they have been sent).</summary>
    public void Clear() => _length = 0;

    /// <summary>The signature, a zero flags field (no OIDs) and an empty header extension.</summary>
    public void WriteHeader()
    {
        var span = Reserve(Signature.Length + 8);
        Signature.CopyTo(span);
        BinaryPrimitives.WriteInt32BigEndian(span[Signature.Length..], 0);
        BinaryPrimitives.WriteInt32BigEndian(span[(Signature.Length + 4)..], 0);
    }

    /// <summary>The end-of-data marker: a field count of -1.</summary>
    public void WriteTrailer() => BinaryPrimitives.WriteInt16BigEndian(Reserve(2), -1);

    public void BeginRow(int fieldCount) => BinaryPrimitives.WriteInt16BigEndian(Reserve(2), checked((short)fieldCount));

    public void WriteNull() => BinaryPrimitives.WriteInt32BigEndian(Reserve(4), -1);

    public void WriteInt32(int value)
    {
        var span = Reserve(8);
        BinaryPrimitives.WriteInt32BigEndian(span, 4);
        BinaryPrimitives.WriteInt32BigEndian(span[4..], value);
    }

    public void WriteInt64(long value)
    {
        var span = Reserve(12);
        BinaryPrimitives.WriteInt32BigEndian(span, 8);
        BinaryPrimitives.WriteInt64BigEndian(span[4..], value);
    }

    public void WriteFloat64(double value)
    {
        var span = Reserve(12);
        BinaryPrimitives.WriteInt32BigEndian(span, 8);
        BinaryPrimitives.WriteDoubleBigEndian(span[4..], value);
    }

    /// <summary>A varchar value: its UTF-8 bytes, which the caller has validated.</summary>
    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        var span = Reserve(4 + value.Length);
        BinaryPrimitives.WriteInt32BigEndian(span, value.Length);
        value.CopyTo(span[4..]);
    }

    /// <summary>Appends rows another buffer encoded (no header or trailer in them).</summary>
    public void WriteRows(ReadOnlySpan<byte> rows) => rows.CopyTo(Reserve(rows.Length));

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _length = 0;
    }

    private Span<byte> Reserve(int bytes)
    {
        if (_length + bytes > _buffer.Length)
        {
            Grow(_length + bytes);
        }

        var span = _buffer.AsSpan(_length, bytes);
        _length += bytes;
        return span;
    }

    private void Grow(int needed)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
        _buffer.AsSpan(0, _length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
