using System.Buffers.Binary;
using System.Text;

namespace Sparkify.Warehouse.Tests.TestUtilities.RedshiftStandIn;

/// <summary>One PostgreSQL protocol message: its type byte and its body (the length word excluded).</summary>
internal sealed record WireMessage(byte Type, byte[] Body)
{
    /// <summary>The startup-phase packets, which have no type byte; <see cref="Type"/> is 0 for them.</summary>
    public const byte Untyped = 0;

    public const int SslRequestCode = 80877103;
    public const int GssEncRequestCode = 80877104;
    public const int CancelRequestCode = 80877102;

    public char Kind => (char)Type;

    /// <summary>The first int32 of the body (a startup packet's protocol code, an 'R' message's auth code).</summary>
    public int Int32At(int offset) => BinaryPrimitives.ReadInt32BigEndian(Body.AsSpan(offset));

    /// <summary>The NUL-terminated UTF-8 string starting at <paramref name="offset"/>, and the offset after it.</summary>
    public (string Text, int Next) CStringAt(int offset)
    {
        var end = Array.IndexOf(Body, (byte)0, offset);
        return (Encoding.UTF8.GetString(Body, offset, end - offset), end + 1);
    }

    public static async Task<WireMessage?> ReadAsync(Stream stream, bool startup, CancellationToken cancellationToken)
    {
        var header = new byte[startup ? 4 : 5];
        if (!await ReadExactlyOrEndAsync(stream, header, cancellationToken))
        {
            return null;
        }

        var type = startup ? Untyped : header[0];
        var length = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(startup ? 0 : 1)) - 4;
        var body = new byte[length];
        return await ReadExactlyOrEndAsync(stream, body, cancellationToken) ? new WireMessage(type, body) : null;
    }

    public async Task WriteAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[Type == Untyped ? 4 : 5];
        if (Type != Untyped)
        {
            header[0] = Type;
        }

        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(Type == Untyped ? 0 : 1), Body.Length + 4);
        await stream.WriteAsync(header, cancellationToken);
        await stream.WriteAsync(Body, cancellationToken);
    }

    public static WireMessage Of(char kind, params object[] parts)
    {
        using var body = new MemoryStream();
        foreach (var part in parts)
        {
            switch (part)
            {
                case string text:
                    body.Write(Encoding.UTF8.GetBytes(text));
                    body.WriteByte(0);
                    break;
                case byte[] raw:
                    body.Write(raw);
                    break;
                case short value:
                    var int16 = new byte[2];
                    BinaryPrimitives.WriteInt16BigEndian(int16, value);
                    body.Write(int16);
                    break;
                case int value:
                    var int32 = new byte[4];
                    BinaryPrimitives.WriteInt32BigEndian(int32, value);
                    body.Write(int32);
                    break;
                case char value:
                    body.WriteByte((byte)value);
                    break;
                default:
                    throw new ArgumentException($"No wire form for {part.GetType().Name}.", nameof(parts));
            }
        }

        return new WireMessage((byte)kind, body.ToArray());
    }

    /// <summary>An ErrorResponse ('E') or NoticeResponse ('N') with the given severity, SQLSTATE and text.</summary>
    public static WireMessage Report(char kind, string severity, string sqlState, string message, string? detail = null)
    {
        var parts = new List<object> { 'S', severity, 'V', severity, 'C', sqlState, 'M', message };
        if (detail is not null)
        {
            parts.AddRange(['D', detail]);
        }

        parts.Add((byte[])[0]);
        return Of(kind, [.. parts]);
    }

    /// <summary>A ParameterStatus message, for rewriting what the backend reports at startup.</summary>
    public static WireMessage ParameterStatus(string name, string value) => Of('S', name, value);

    private static async Task<bool> ReadExactlyOrEndAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }
}
