using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Sparkify.Warehouse.Tests.TestUtilities.RedshiftStandIn;

/// <summary>A column of the COPY's target table: lengths in bytes, as Redshift counts VARCHAR.</summary>
internal sealed record TargetColumn(string Name, string DataType, int? MaxLength, bool Nullable);

/// <summary>One rejected record, with what Redshift's error views record about it.</summary>
internal sealed record LoadReject(string FileName, long LineNumber, string ColumnName, string ColumnType, int? ColumnLength, string RawLine, string RawFieldValue, int ErrorCode, string Reason);

/// <summary>A failure of the whole COPY (not one record): Redshift aborts the statement.</summary>
internal sealed class CopyFailedException(string message, string sqlState = "XX000") : Exception(message)
{
    public string SqlState { get; } = sqlState;
}

/// <summary>
/// Redshift's rules for turning one JSON object into a staging row, written independently of the
/// library's reader so the stand-in can judge it: <c>'auto'</c> matches first-level keys to column
/// names (case-sensitively), JSONPaths map by position; a string holding a number loads into a
/// numeric column; an empty string is NULL for non-text columns; a nested object or array loads as
/// its JSON text; a string longer than its VARCHAR (in UTF-8 bytes) or a value that does not convert
/// rejects the record. Values come out as PostgreSQL COPY text (null for NULL).
/// </summary>
internal static class JsonLoadRules
{
    /// <summary>Parses a JSONPaths file; null when its key is not <c>jsonpaths</c> (Redshift then falls back to 'auto').</summary>
    public static IReadOnlyList<IReadOnlyList<object>>? ParseJsonPaths(byte[] content)
    {
        using var document = JsonDocument.Parse(content);
        if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("jsonpaths", out var paths))
        {
            return null;
        }

        return [.. paths.EnumerateArray().Select(p => ParsePath(p.GetString() ?? ""))];
    }

    /// <summary>The values of one record for <paramref name="columns"/>, or the reject.</summary>
    public static (string?[]? Row, (TargetColumn Column, string Raw, int Code, string Reason)? Reject) Convert(
        JsonElement record, IReadOnlyList<TargetColumn> columns, IReadOnlyList<IReadOnlyList<object>>? paths, S3CopyCommand command)
    {
        var row = new string?[columns.Count];
        for (var c = 0; c < columns.Count; c++)
        {
            var column = columns[c];
            var value = paths is null ? ByName(record, column.Name, command.IgnoreCase) : ByPath(record, paths[c]);
            var (converted, error) = ConvertValue(value, column, command);
            if (error is { } e)
            {
                return (null, (column, value is { } v ? RawText(v) : "", e.Code, e.Reason));
            }

            if (converted is null && !column.Nullable)
            {
                return (null, (column, "", 1213, "Missing data for not-null field"));
            }

            row[c] = converted;
        }

        return (row, null);
    }

    private static (string? Value, (int Code, string Reason)? Error) ConvertValue(JsonElement? element, TargetColumn column, S3CopyCommand command)
    {
        if (element is not { } value || value.ValueKind == JsonValueKind.Null)
        {
            return (null, null);
        }

        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            _ => value.GetRawText(),
        };

        if (IsText(column.DataType))
        {
            if (value.ValueKind == JsonValueKind.String && ((command.EmptyAsNull && text.Length == 0) || (command.BlanksAsNull && text.Length > 0 && text.Trim(' ').Length == 0)))
            {
                return (null, null);
            }

            // Before the length check: what TRIMBLANKS removes does not count against the column.
            if (command.TrimBlanks && column.DataType == "character varying")
            {
                text = text.TrimEnd(' ');
            }

            if (text.Contains('\0', StringComparison.Ordinal))
            {
                return (null, (1220, "String contains invalid or unsupported UTF8 codepoints"));
            }

            var bytes = Encoding.UTF8.GetByteCount(text);
            if (column.MaxLength is { } max && bytes > max)
            {
                if (command.TruncateColumns)
                {
                    return (TruncateBytes(text, max), null);
                }

                // Only blanks beyond the length are forgiven.
                if (Encoding.UTF8.GetByteCount(text.TrimEnd(' ')) > max)
                {
                    return (null, (1204, "String length exceeds DDL length"));
                }

                text = TruncateBytes(text, max);
            }

            return (text, null);
        }

        if (value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
        {
            return (null, (1224, $"Invalid value for {column.DataType}: nested JSON"));
        }

        var trimmed = text.Trim(' ');
        if (trimmed.Length == 0)
        {
            return (null, null);
        }

        switch (column.DataType)
        {
            case "smallint" or "integer" or "bigint":
                if (value.ValueKind == JsonValueKind.True || value.ValueKind == JsonValueKind.False || !IsInteger(trimmed))
                {
                    return (null, (1207, $"Invalid digit, Value '{FirstBadDigit(trimmed)}', Pos {Math.Max(0, trimmed.IndexOf(FirstBadDigit(trimmed), StringComparison.Ordinal))}, Type: {Capitalized(column.DataType)}"));
                }

                var (min, maxValue) = column.DataType switch
                {
                    "smallint" => ((decimal)short.MinValue, (decimal)short.MaxValue),
                    "integer" => (int.MinValue, int.MaxValue),
                    _ => (long.MinValue, (decimal)long.MaxValue),
                };
                return decimal.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer) && integer >= min && integer <= maxValue
                    ? (integer.ToString(CultureInfo.InvariantCulture), null)
                    : (null, (1216, $"Overflow, Value '{trimmed}', Type: {Capitalized(column.DataType)}"));
            case "double precision" or "real" or "numeric":
                return value.ValueKind is JsonValueKind.Number or JsonValueKind.String
                    && double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
                    ? (trimmed, null)
                    : (null, (1207, $"Invalid digit, Value '{FirstBadDigit(trimmed)}', Pos 0, Type: {Capitalized(column.DataType)}"));
            case "boolean":
                return trimmed.ToLowerInvariant() switch
                {
                    "true" or "t" or "1" or "yes" or "y" => ("t", null),
                    "false" or "f" or "0" or "no" or "n" => ("f", null),
                    _ => (null, (1211, "Invalid boolean value")),
                };
            case "timestamp without time zone" or "date":
                return DateTime.TryParseExact(trimmed, ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFF", "yyyy-MM-dd"], CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
                    ? (trimmed, null)
                    : (null, (1206, "Invalid timestamp format or value [YYYY-MM-DD HH24:MI:SS]"));
            default:
                return (trimmed, null);
        }
    }

    private static JsonElement? ByName(JsonElement record, string column, bool ignoreCase)
    {
        JsonElement? found = null;
        foreach (var property in record.EnumerateObject())
        {
            if (string.Equals(property.Name, column, ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
            {
                found = property.Value;
            }
        }

        return found;
    }

    private static JsonElement? ByPath(JsonElement record, IReadOnlyList<object> path)
    {
        var current = record;
        foreach (var step in path)
        {
            if (step is string name)
            {
                if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current))
                {
                    return null;
                }
            }
            else if (current.ValueKind != JsonValueKind.Array || (int)step >= current.GetArrayLength())
            {
                throw new CopyFailedException("Invalid JSONPath format: Not an array or index out of range.");
            }
            else
            {
                current = current[(int)step];
            }
        }

        return current;
    }

    /// <summary><c>$['a']['b'][0]</c> or <c>$.a.b[0]</c> as its steps: names (string) and indexes (int).</summary>
    private static List<object> ParsePath(string path)
    {
        if (!path.StartsWith('$'))
        {
            throw new CopyFailedException($"Invalid JSONPath format: {path}");
        }

        var steps = new List<object>();
        var i = 1;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? path.Length : end;
                steps.Add(path[(i + 1)..end]);
                i = end;
            }
            else if (path[i] == '[' && i + 1 < path.Length && path[i + 1] is '\'' or '"')
            {
                var end = path.IndexOf(path[i + 1] + "]", i + 2, StringComparison.Ordinal);
                steps.Add(path[(i + 2)..end]);
                i = end + 2;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                steps.Add(int.Parse(path[(i + 1)..end], CultureInfo.InvariantCulture));
                i = end + 1;
            }
            else
            {
                throw new CopyFailedException($"Invalid JSONPath format: {path}");
            }
        }

        return steps;
    }

    public static bool IsText(string dataType) => dataType is "character varying" or "character" or "text";

    private static bool IsInteger(string text) => text.TrimStart('+', '-').Length > 0 && text.TrimStart('+', '-').All(char.IsAsciiDigit) && text.LastIndexOfAny(['+', '-']) <= 0;

    private static string FirstBadDigit(string text) => text.FirstOrDefault(c => !char.IsAsciiDigit(c) && c is not '+' and not '-').ToString();

    private static string Capitalized(string dataType) => char.ToUpperInvariant(dataType[0]) + dataType[1..];

    private static string RawText(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

    public static string TruncateBytes(string text, int maxBytes)
    {
        var length = text.Length;
        while (Encoding.UTF8.GetByteCount(text.AsSpan(0, length)) > maxBytes)
        {
            length--;
            if (length > 0 && char.IsLowSurrogate(text[length]))
            {
                length--;
            }
        }

        return text[..length];
    }
}
