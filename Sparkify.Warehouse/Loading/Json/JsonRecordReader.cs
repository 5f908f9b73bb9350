using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Sparkify.Warehouse.Loading.Json;

/// <summary>How a file's bytes divide into records.</summary>
internal enum RecordFraming
{
    /// <summary>
    /// JSON Lines, the event logs: every non-blank line is one record, so a bad line is
    /// rejected on its own and the next line is read normally.
    /// </summary>
    JsonLines,

    /// <summary>
    /// Concatenated JSON objects, the song files: a file may hold several objects and an object
    /// may span lines (pretty-printed), as Redshift COPY reads JSON.
    /// </summary>
    JsonDocuments,
}

/// <summary>What <see cref="JsonRecordReader.Read"/> found.</summary>
internal enum ReadStatus
{
    /// <summary><see cref="JsonRecordReader.Record"/> holds a record that starts on <see cref="JsonRecordReader.Line"/>.</summary>
    Record,

    /// <summary>Input that is no record: <see cref="JsonRecordReader.RejectReason"/> and <see cref="JsonRecordReader.RejectRaw"/> say what.</summary>
    Rejected,

    /// <summary>Call <see cref="JsonRecordReader.FillAsync"/>, then read again.</summary>
    NeedMoreData,

    /// <summary>The file has no more records.</summary>
    EndOfFile,
}

/// <summary>
/// Splits one file's UTF-8 JSON into records without decoding it, streaming through a pooled buffer
/// that holds at most one record plus one read. Records are spans into that buffer, valid until the
/// next <see cref="FillAsync"/>.
/// </summary>
/// <remarks>
/// <para>Usage: call <see cref="Read"/> until it returns <see cref="ReadStatus.NeedMoreData"/>, then
/// <see cref="FillAsync"/>, until <see cref="ReadStatus.EndOfFile"/>. <c>Read</c> is synchronous so
/// that the caller can convert a record (a span) before anything awaits.</para>
/// <para>A record larger than 4 MB (Redshift's limit for one JSON object) is rejected without being
/// buffered whole. With <see cref="RecordFraming.JsonDocuments"/>, malformed JSON is rejected from where
/// its record starts up to the next line whose first non-blank character is <c>{</c>, where reading
/// resumes: one broken pretty-printed object is one reject, and a truncated object does not swallow
/// the object on the next line.</para>
/// </remarks>
internal sealed class JsonRecordReader : IAsyncDisposable, IDisposable
{
    /// <summary>Redshift's maximum size of one JSON object.</summary>
    public const int MaxRecordBytes = 4 * 1024 * 1024;

    /// <summary>The raw text kept for a reject (load_errors keeps the first 1 KB of a rejected record).</summary>
    public const int RawBytes = 1024;

    private const int MinFreeSpace = 16 * 1024;

    private const string TooLarge = "record is larger than 4 MB, Redshift's limit for one JSON object";

    private readonly RecordFraming _framing;
    private byte[]? _raw;
    private Stream? _stream;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private bool _eof;
    private bool _bomChecked;
    private long _line;
    private int _recordOffset;
    private int _recordLength;
    private int _rawLength;
    private bool _discardingLine;
    private bool _resyncing;
    private bool _resyncInLine;

    /// <summary>Reads from <paramref name="stream"/> after the <paramref name="length"/> bytes already in <paramref name="pooledBuffer"/>.</summary>
    /// <param name="pooledBuffer">A buffer from <see cref="ArrayPool{T}.Shared"/>, now owned by the reader.</param>
    /// <param name="length">Bytes of the file already in the buffer.</param>
    /// <param name="stream">The rest of the file, or null when the buffer holds all of it; owned by the reader.</param>
    /// <param name="framing">How the file divides into records.</param>
    public JsonRecordReader(byte[] pooledBuffer, int length, Stream? stream, RecordFraming framing)
        : this(pooledBuffer, length, stream, framing, firstLine: 1)
    {
    }

    /// <summary>
    /// Reads a part of a file that starts at the beginning of line <paramref name="firstLine"/>, so that
    /// <see cref="Line"/> counts from there; a byte order mark is looked for only at line 1 (the file's start).
    /// </summary>
    internal JsonRecordReader(byte[] pooledBuffer, int length, Stream? stream, RecordFraming framing, long firstLine)
    {
        ArgumentNullException.ThrowIfNull(pooledBuffer);
        ArgumentOutOfRangeException.ThrowIfLessThan(firstLine, 1);
        _buffer = pooledBuffer;
        _end = length;
        _stream = stream;
        _eof = stream is null;
        _framing = framing;
        _line = firstLine;
        _bomChecked = firstLine > 1;
        BytesRead = length;
    }

    internal static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static ReadOnlySpan<byte> JsonWhitespace => " \t\r\n"u8;

    private static ReadOnlySpan<byte> LineWhitespace => " \t\r"u8;

    /// <summary>Bytes read from the file so far (decompressed).</summary>
    public long BytesRead { get; private set; }

    /// <summary>The 1-based line where the last record or reject starts.</summary>
    public long Line { get; private set; }

    /// <summary>The last record's bytes.</summary>
    public ReadOnlySpan<byte> Record => _buffer.AsSpan(_recordOffset, _recordLength);

    /// <summary>Why the last <see cref="ReadStatus.Rejected"/> input is not a record.</summary>
    public string RejectReason { get; private set; } = "";

    /// <summary>The start of the rejected input, at most <see cref="RawBytes"/> bytes.</summary>
    public ReadOnlySpan<byte> RejectRaw => Raw.AsSpan(0, _rawLength);

    // Allocated on the first reject only: a load may read hundreds of thousands of one-record files.
    private byte[] Raw => _raw ??= new byte[RawBytes];

    public ReadStatus Read()
    {
        if (!_bomChecked)
        {
            if (_end - _start < Utf8Bom.Length && !_eof)
            {
                return ReadStatus.NeedMoreData;
            }

            if (_buffer.AsSpan(_start, _end - _start).StartsWith(Utf8Bom))
            {
                _start += Utf8Bom.Length;
            }

            _bomChecked = true;
        }

        return _framing == RecordFraming.JsonLines ? ReadLine() : ReadDocument();
    }

    /// <summary>Reads more of the file, keeping the unfinished record.</summary>
    public async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        if (_eof)
        {
            return;
        }

        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        if (_buffer.Length - _end < MinFreeSpace)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _end + MinFreeSpace));
            _buffer.AsSpan(0, _end).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }

        if (_stream is null)
        {
            _eof = true;
            return;
        }

        // Fill the free space completely: a record that needs several fills is parsed again from its
        // start after each one, so each fill must at least double what is buffered.
        while (_end < _buffer.Length)
        {
            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                _eof = true;
                return;
            }

            _end += read;
            BytesRead += read;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stream is not null)
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
            _stream = null;
        }

        ReturnBuffer();
    }

    public void Dispose()
    {
        _stream?.Dispose();
        _stream = null;
        ReturnBuffer();
    }

    /// <summary>The message of a JSON reader error without its (record-relative) position suffix.</summary>
    internal static string DescribeJsonError(JsonException exception)
    {
        var message = exception.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut >= 0 ? message[..cut] : message).Trim();
    }

    private ReadStatus ReadLine()
    {
        while (true)
        {
            var available = _buffer.AsSpan(_start, _end - _start);
            var newline = available.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line;
            if (newline >= 0)
            {
                line = available[..newline];
            }
            else if (_eof)
            {
                if (available.IsEmpty)
                {
                    return ReadStatus.EndOfFile;
                }

                line = available;
            }
            else if (_discardingLine)
            {
                _start = _end;
                return ReadStatus.NeedMoreData;
            }
            else if (available.Length > MaxRecordBytes)
            {
                // Reject now and drop the rest of the line as it arrives, instead of buffering it.
                Line = _line;
                RejectReason = TooLarge;
                CaptureRaw(available);
                _discardingLine = true;
                _start = _end;
                return ReadStatus.Rejected;
            }
            else
            {
                return ReadStatus.NeedMoreData;
            }

            var offset = _start;
            var lineNumber = _line;
            _start += newline >= 0 ? newline + 1 : line.Length;
            _line++;
            if (_discardingLine)
            {
                _discardingLine = false;
                continue;
            }

            if (line.IndexOfAnyExcept(JsonWhitespace) < 0)
            {
                continue;
            }

            Line = lineNumber;
            if (line.Length > MaxRecordBytes)
            {
                RejectReason = TooLarge;
                CaptureRaw(line);
                return ReadStatus.Rejected;
            }

            _recordOffset = offset;
            _recordLength = line.Length;
            return ReadStatus.Record;
        }
    }

    private ReadStatus ReadDocument()
    {
        while (true)
        {
            if (_resyncing)
            {
                if (!Resync())
                {
                    return ReadStatus.NeedMoreData;
                }

                _resyncing = false;
                _rawLength = TrimEnd(Raw.AsSpan(0, _rawLength));
                return ReadStatus.Rejected;
            }

            var available = _buffer.AsSpan(_start, _end - _start);
            var skip = available.IndexOfAnyExcept(JsonWhitespace);
            if (skip < 0)
            {
                _line += available.Count((byte)'\n');
                _start = _end;
                return _eof ? ReadStatus.EndOfFile : ReadStatus.NeedMoreData;
            }

            _line += available[..skip].Count((byte)'\n');
            _start += skip;
            available = available[skip..];

            var reader = new Utf8JsonReader(available, isFinalBlock: _eof, state: default);
            bool complete;
            JsonTokenType first;
            try
            {
                complete = reader.Read();
                first = reader.TokenType;
                complete = complete && reader.TrySkip();
            }
            catch (JsonException ex)
            {
                BeginResync(string.Create(CultureInfo.InvariantCulture,
                    $"malformed JSON: {DescribeJsonError(ex)} (line {_line + (ex.LineNumber ?? 0)}, byte {(ex.BytePositionInLine ?? 0) + 1})"));
                continue;
            }

            if (!complete)
            {
                if (available.Length > MaxRecordBytes)
                {
                    BeginResync(TooLarge);
                    continue;
                }

                return ReadStatus.NeedMoreData;
            }

            var length = (int)reader.BytesConsumed;
            Line = _line;
            _recordOffset = _start;
            _recordLength = length;
            _line += available[..length].Count((byte)'\n');
            _start += length;
            if (first == JsonTokenType.StartObject && length <= MaxRecordBytes)
            {
                return ReadStatus.Record;
            }

            RejectReason = first == JsonTokenType.StartObject ? TooLarge : $"not a JSON object (found {RecordConverter.DescribeToken(first)})";
            CaptureRaw(available[..length]);
            return ReadStatus.Rejected;
        }
    }

    /// <summary>Starts rejecting the record at <c>_start</c>; <see cref="Resync"/> consumes it.</summary>
    private void BeginResync(string reason)
    {
        Line = _line;
        RejectReason = reason;
        _rawLength = 0;
        _resyncing = true;
        _resyncInLine = true;
    }

    /// <summary>
    /// Consumes the rejected record up to the next line that starts with <c>{</c> (or the end of the
    /// file), keeping its first bytes as the raw text; false when more data is needed first.
    /// </summary>
    private bool Resync()
    {
        while (true)
        {
            var available = _buffer.AsSpan(_start, _end - _start);
            if (_resyncInLine)
            {
                var newline = available.IndexOf((byte)'\n');
                if (newline < 0)
                {
                    ConsumeIntoRaw(available.Length);
                    return _eof;
                }

                ConsumeIntoRaw(newline + 1);
                _line++;
                _resyncInLine = false;
                continue;
            }

            var first = available.IndexOfAnyExcept(LineWhitespace);
            if (first < 0)
            {
                ConsumeIntoRaw(available.Length);
                return _eof;
            }

            if (available[first] == (byte)'{')
            {
                _start += first;
                return true;
            }

            if (available[first] == (byte)'\n')
            {
                ConsumeIntoRaw(first + 1);
                _line++;
                continue;
            }

            ConsumeIntoRaw(first);
            _resyncInLine = true;
        }
    }

    private void ConsumeIntoRaw(int count)
    {
        var keep = Math.Min(count, RawBytes - _rawLength);
        _buffer.AsSpan(_start, keep).CopyTo(Raw.AsSpan(_rawLength));
        _rawLength += keep;
        _start += count;
    }

    private void CaptureRaw(ReadOnlySpan<byte> input)
    {
        var length = Math.Min(input.Length, RawBytes);
        input[..length].CopyTo(Raw);
        _rawLength = TrimEnd(Raw.AsSpan(0, length));
    }

    private static int TrimEnd(ReadOnlySpan<byte> raw)
    {
        var last = raw.LastIndexOfAnyExcept(JsonWhitespace);
        return last + 1;
    }

    private void ReturnBuffer()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }
}
