using System.Globalization;
using System.Text.Unicode;
using Sparkify.Warehouse.Loading.Staging;

namespace Sparkify.Warehouse.Loading.Json;
/// <summary>Assigning a JSON value to its column: type checks, number parsing and length limits.</summary>
internal sealed partial class RecordConverter
{
    private bool Assign(int[] columns, ValueKind kind, (int Start, int Length) value, out RecordFailure failure)
    {
        foreach (var column in columns)
        {
            if (!AssignOne(column, kind, value, out var reason))
            {
                failure = new RecordFailure(column, reason);
                return false;
            }
        }

        failure = default;
        return true;
    }

    private bool AssignOne(int column, ValueKind kind, (int Start, int Length) value, out string reason)
    {
        var definition = _columns[column];
        var bytes = _text.AsSpan(value.Start, value.Length);
        reason = "";
        switch (definition.Type)
        {
            case StagingColumnType.Text:
                // Trailing blanks are insignificant: Redshift ignores them when it compares VARCHARs and
                // its COPY drops them (TRIMBLANKS), so PostgreSQL staging drops them too, before the
                // length check, and both targets match titles, names and user ids alike.
                while (value.Length > 0 && _text[value.Start + value.Length - 1] == (byte)' ')
                {
                    value.Length--;
                }

                bytes = _text.AsSpan(value.Start, value.Length);
                if (kind == ValueKind.Container && !Utf8.IsValid(bytes))
                {
                    reason = "nested JSON text is not valid UTF-8";
                    return false;
                }

                if (bytes.Length > definition.MaxBytes)
                {
                    reason = string.Create(CultureInfo.InvariantCulture, $"value of {bytes.Length} bytes is longer than {definition.SqlType}");
                    return false;
                }

                _state[column] = SlotState.Text;
                _textStart[column] = value.Start;
                _textLength[column] = value.Length;
                return true;

            case StagingColumnType.Int32:
            case StagingColumnType.Int64:
                var integerInput = PrepareNumber(column, kind, definition, ref bytes, out reason);
                if (integerInput != NumberInput.Value)
                {
                    return integerInput == NumberInput.Null;
                }

                var parsed = ParseInteger(bytes, allowPlus: kind == ValueKind.String, out var integer);
                if (parsed == IntegerParse.Ok && definition.Type == StagingColumnType.Int32 && integer is < int.MinValue or > int.MaxValue)
                {
                    parsed = IntegerParse.Overflow;
                }

                if (parsed != IntegerParse.Ok)
                {
                    reason = $"cannot convert {DescribeValue(kind, _text.AsSpan(value.Start, value.Length))} to {definition.SqlType}: "
                        + (parsed == IntegerParse.Overflow ? "out of range"
                            : double.TryParse(bytes, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? "not a whole number"
                            : "not a number");
                    return false;
                }

                _state[column] = SlotState.Integer;
                _integers[column] = integer;
                return true;

            default:
                var numberInput = PrepareNumber(column, kind, definition, ref bytes, out reason);
                if (numberInput != NumberInput.Value)
                {
                    return numberInput == NumberInput.Null;
                }

                if (!double.TryParse(bytes, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                {
                    reason = $"cannot convert {DescribeValue(kind, bytes)} to {definition.SqlType}: not a number";
                    return false;
                }

                // .NET parses overflow, "Infinity" and "NaN" to non-finite values; a warehouse measure
                // (a duration, a coordinate) that is not finite is bad data, so it is rejected.
                if (!double.IsFinite(number))
                {
                    reason = $"cannot convert {DescribeValue(kind, bytes)} to {definition.SqlType}: not a finite number";
                    return false;
                }

                _state[column] = SlotState.Double;
                _doubles[column] = number;
                return true;
        }
    }

    /// <summary>
    /// What numeric columns share, as Redshift COPY does it: booleans and nested values never convert, a
    /// JSON string holding a number is read as that number, and an empty string is NULL.
    /// </summary>
    private NumberInput PrepareNumber(int column, ValueKind kind, StagingColumn definition, ref Span<byte> bytes, out string reason)
    {
        reason = "";
        if (kind is ValueKind.Boolean or ValueKind.Container)
        {
            reason = $"cannot convert {DescribeValue(kind, bytes)} to {definition.SqlType}";
            return NumberInput.Invalid;
        }

        if (kind == ValueKind.String)
        {
            bytes = bytes.Trim(JsonWhitespace);
            if (bytes.IsEmpty)
            {
                _state[column] = SlotState.Null;
                return NumberInput.Null;
            }
        }

        return NumberInput.Value;
    }

    private enum NumberInput
    {
        /// <summary>Cannot be a number; the reason says why.</summary>
        Invalid,

        /// <summary>An empty string: the column is NULL.</summary>
        Null,

        /// <summary>Text to parse as the number.</summary>
        Value,
    }

    private static ReadOnlySpan<byte> JsonWhitespace => " \t\r\n"u8;

    /// <summary>
    /// Parses <c>[-+]?[0-9]+</c> into a long. JSON numbers with a fraction or an exponent are not
    /// integers: Redshift rejects <c>1.5</c> (and <c>1.0</c>) for an integer column too.
    /// </summary>
    private static IntegerParse ParseInteger(ReadOnlySpan<byte> text, bool allowPlus, out long value)
    {
        value = 0;
        var i = 0;
        var negative = false;
        if (text.Length > 0 && (text[0] == (byte)'-' || (allowPlus && text[0] == (byte)'+')))
        {
            negative = text[0] == (byte)'-';
            i = 1;
        }

        if (i == text.Length)
        {
            return IntegerParse.Invalid;
        }

        ulong magnitude = 0;
        var overflow = false;
        for (; i < text.Length; i++)
        {
            var digit = (uint)(text[i] - (byte)'0');
            if (digit > 9)
            {
                return IntegerParse.Invalid;
            }

            if (magnitude > (ulong.MaxValue - digit) / 10)
            {
                overflow = true;
            }
            else
            {
                magnitude = (magnitude * 10) + digit;
            }
        }

        var limit = negative ? (ulong)long.MaxValue + 1 : long.MaxValue;
        if (overflow || magnitude > limit)
        {
            return IntegerParse.Overflow;
        }

        value = negative ? unchecked((long)(0UL - magnitude)) : (long)magnitude;
        return IntegerParse.Ok;
    }
}
