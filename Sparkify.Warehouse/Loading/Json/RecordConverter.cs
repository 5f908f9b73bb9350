using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Sparkify.Warehouse.Loading.PostgreSql;
using Sparkify.Warehouse.Loading.Staging;

namespace Sparkify.Warehouse.Loading.Json;

/// <summary>Why a record was rejected: the column (index into the table's columns, or -1) and the reason.</summary>
internal readonly record struct RecordFailure(int Column, string Reason);

/// <summary>
/// Turns one JSON record into one typed staging row with Redshift COPY's conversions (README "Loading", bad input): a
/// missing key or JSON null is NULL; a string holding a number loads into a numeric column; an empty
/// (or blank) string is NULL in a numeric column but stays an empty string in a varchar; numbers and
/// booleans load into a varchar as their JSON text, nested objects and arrays as their JSON text; a
/// value that does not convert, or a string longer than its column in UTF-8 bytes, rejects the record.
/// </summary>
/// <remarks>
/// This is the hot path of a load, so it reads the record once with <see cref="Utf8JsonReader"/>,
/// keeps converted values in per-column slots and text as UTF-8 bytes in one scratch buffer, and
/// allocates only when it rejects a record. One instance serves one COPY, record after record.
/// </remarks>
internal sealed partial class RecordConverter
{
    private const int MaxValueInReason = 64;

    private readonly RecordMapping _mapping;
    private readonly StagingColumn[] _columns;
    private readonly SlotState[] _state;
    private readonly long[] _integers;
    private readonly double[] _doubles;
    private readonly int[] _textStart;
    private readonly int[] _textLength;
    private byte[] _text = new byte[4096];
    private int _textUsed;

    public RecordConverter(RecordMapping mapping)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        _mapping = mapping;
        _columns = [.. mapping.Table.Columns];
        _state = new SlotState[_columns.Length];
        _integers = new long[_columns.Length];
        _doubles = new double[_columns.Length];
        _textStart = new int[_columns.Length];
        _textLength = new int[_columns.Length];
    }

    /// <summary>The table's columns, in the order rows are written.</summary>
    public IReadOnlyList<StagingColumn> Columns => _columns;

    private enum SlotState : byte
    {
        Null,
        Integer,
        Double,
        Text,
    }

    private enum ValueKind
    {
        String,
        Number,
        Boolean,
        Container,
    }

    private enum IntegerParse
    {
        Ok,
        Invalid,
        Overflow,
    }

    /// <summary>Converts <paramref name="record"/>; on success the row waits in the slots for <see cref="WriteRow"/>.</summary>
    public bool TryConvert(ReadOnlySpan<byte> record, out RecordFailure failure)
    {
        Array.Clear(_state);
        _textUsed = 0;
        try
        {
            var reader = new Utf8JsonReader(record, isFinalBlock: true, state: default);
            if (!reader.Read())
            {
                failure = new RecordFailure(-1, "empty record");
                return false;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                failure = new RecordFailure(-1, $"not a JSON object (found {DescribeToken(reader.TokenType)})");
                return false;
            }

            if (!MapObject(ref reader, _mapping.Root, record, out failure))
            {
                return false;
            }

            // Throws for anything but whitespace after the object: one record per line.
            reader.Read();
            failure = default;
            return true;
        }
        catch (JsonException ex)
        {
            failure = new RecordFailure(-1, string.Create(CultureInfo.InvariantCulture,
                $"malformed JSON: {JsonRecordReader.DescribeJsonError(ex)} (at byte {(ex.BytePositionInLine ?? 0) + 1})"));
            return false;
        }
    }

    /// <summary>Writes the converted row, columns in table order.</summary>
    public void WriteRow(PgBinaryCopyBuffer output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.BeginRow(_columns.Length);
        for (var i = 0; i < _columns.Length; i++)
        {
            switch (_state[i])
            {
                case SlotState.Null:
                    output.WriteNull();
                    break;
                case SlotState.Integer when _columns[i].Type == StagingColumnType.Int32:
                    output.WriteInt32((int)_integers[i]);
                    break;
                case SlotState.Integer:
                    output.WriteInt64(_integers[i]);
                    break;
                case SlotState.Double:
                    output.WriteFloat64(_doubles[i]);
                    break;
                default:
                    output.WriteBytes(_text.AsSpan(_textStart[i], _textLength[i]));
                    break;
            }
        }
    }

    /// <summary>The staged value of column <paramref name="column"/> after a successful conversion (for tests).</summary>
    internal object? GetValue(int column) => _state[column] switch
    {
        SlotState.Null => null,
        SlotState.Integer when _columns[column].Type == StagingColumnType.Int32 => (int)_integers[column],
        SlotState.Integer => _integers[column],
        SlotState.Double => _doubles[column],
        _ => Encoding.UTF8.GetString(_text, _textStart[column], _textLength[column]),
    };

    private bool MapObject(ref Utf8JsonReader reader, PathNode node, ReadOnlySpan<byte> record, out RecordFailure failure)
    {
        var cursor = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var child = node.FindKeyChild(ref reader, ref cursor);
            reader.Read();
            if (child is null)
            {
                reader.Skip();
            }
            else if (!MapValue(ref reader, child, record, out failure))
            {
                return false;
            }
        }

        failure = default;
        return true;
    }

    private bool MapArray(ref Utf8JsonReader reader, PathNode node, ReadOnlySpan<byte> record, out RecordFailure failure)
    {
        var index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var child = node.FindIndexChild(index);
            if (child is null)
            {
                reader.Skip();
            }
            else if (!MapValue(ref reader, child, record, out failure))
            {
                return false;
            }

            index++;
        }

        if (node.MaxIndex >= index)
        {
            // Redshift fails the whole COPY here; rejecting the record keeps the load's error accounting.
            failure = IndexOutOfRange(node.IndexChildren.First(c => c.Step.Index >= index));
            return false;
        }

        failure = default;
        return true;
    }

    private bool MapValue(ref Utf8JsonReader reader, PathNode node, ReadOnlySpan<byte> record, out RecordFailure failure)
    {
        var token = reader.TokenType;
        if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            var start = (int)reader.TokenStartIndex;
            if (token == JsonTokenType.StartArray && node.IndexChildren.Length > 0)
            {
                if (!MapArray(ref reader, node, record, out failure))
                {
                    return false;
                }
            }
            else if (token == JsonTokenType.StartObject && node.KeyChildren.Length > 0)
            {
                if (!MapObject(ref reader, node, record, out failure))
                {
                    return false;
                }
            }
            else if (node.IndexChildren.Length > 0)
            {
                failure = IndexOutOfRange(node.IndexChildren.MinBy(c => c.FirstColumn())!);
                return false;
            }
            else
            {
                reader.Skip();
            }

            if (node.Columns.Length == 0)
            {
                failure = default;
                return true;
            }

            // A nested object or array loads into a varchar as its JSON text, as in Redshift.
            return Assign(node.Columns, ValueKind.Container, Store(record[start..(int)reader.BytesConsumed]), out failure);
        }

        if (node.IndexChildren.Length > 0 && token != JsonTokenType.Null)
        {
            failure = IndexOutOfRange(node.IndexChildren.MinBy(c => c.FirstColumn())!);
            return false;
        }

        if (node.Columns.Length == 0)
        {
            failure = default;
            return true;
        }

        switch (token)
        {
            case JsonTokenType.Null:
                foreach (var column in node.Columns)
                {
                    _state[column] = SlotState.Null;
                }

                failure = default;
                return true;
            case JsonTokenType.String:
                if (!TryStoreString(ref reader, out var text, out var reason))
                {
                    failure = new RecordFailure(node.Columns[0], reason);
                    return false;
                }

                return Assign(node.Columns, ValueKind.String, text, out failure);
            case JsonTokenType.Number:
                return Assign(node.Columns, ValueKind.Number, Store(reader.ValueSpan), out failure);
            default:
                return Assign(node.Columns, ValueKind.Boolean, Store(token == JsonTokenType.True ? "true"u8 : "false"u8), out failure);
        }
    }

    private RecordFailure IndexOutOfRange(PathNode node)
    {
        var column = node.FirstColumn();
        return new RecordFailure(column, $"JSONPath {_mapping.PathOf(column)}: not an array, or the index is out of range");
    }

    /// <summary>The string value, unescaped, in the scratch buffer; fails for text a varchar cannot hold.</summary>
    private bool TryStoreString(ref Utf8JsonReader reader, out (int Start, int Length) text, out string reason)
    {
        if (!reader.ValueIsEscaped)
        {
            text = Store(reader.ValueSpan);
        }
        else
        {
            // Unescaping never makes a string longer.
            Reserve(reader.ValueSpan.Length);
            int written;
            try
            {
                written = reader.CopyString(_text.AsSpan(_textUsed));
            }
            catch (InvalidOperationException)
            {
                text = default;
                reason = "string contains an invalid \\u escape (an unpaired UTF-16 surrogate)";
                return false;
            }

            text = (_textUsed, written);
            _textUsed += written;
            if (_text.AsSpan(text.Start, text.Length).Contains((byte)0))
            {
                reason = "string contains a NUL character (\\u0000), which a varchar cannot store";
                return false;
            }
        }

        // The JSON reader does not validate UTF-8 inside strings; PostgreSQL and Redshift both refuse it.
        if (!Utf8.IsValid(_text.AsSpan(text.Start, text.Length)))
        {
            reason = "string is not valid UTF-8";
            return false;
        }

        reason = "";
        return true;
    }

    private (int Start, int Length) Store(ReadOnlySpan<byte> bytes)
    {
        Reserve(bytes.Length);
        bytes.CopyTo(_text.AsSpan(_textUsed));
        var stored = (_textUsed, bytes.Length);
        _textUsed += bytes.Length;
        return stored;
    }

    private void Reserve(int bytes)
    {
        if (_textUsed + bytes > _text.Length)
        {
            Array.Resize(ref _text, Math.Max(_text.Length * 2, _textUsed + bytes));
        }
    }

    private static string DescribeValue(ValueKind kind, ReadOnlySpan<byte> bytes) => kind switch
    {
        ValueKind.Container => bytes.Length > 0 && bytes[0] == (byte)'[' ? "a JSON array" : "a JSON object",
        ValueKind.String => "\"" + Snippet(bytes) + "\"",
        _ => Snippet(bytes),
    };

    private static string Snippet(ReadOnlySpan<byte> bytes)
    {
        var text = Encoding.UTF8.GetString(bytes.Length > MaxValueInReason ? bytes[..MaxValueInReason] : bytes);
        return bytes.Length > MaxValueInReason ? text + "..." : text;
    }

    internal static string DescribeToken(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };
}
