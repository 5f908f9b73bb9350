using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Sparkify.Warehouse.Loading.Json;

/// <summary>One step of a JSONPath: an object key or an array index.</summary>
internal readonly record struct JsonPathStep(string? Key, int Index)
{
    public static JsonPathStep ForKey(string key) => new(key, -1);

    public static JsonPathStep ForIndex(int index) => new(null, index);

    public bool IsKey => Key is not null;

    public override string ToString() => Key is not null ? $"['{Key}']" : $"[{Index.ToString(CultureInfo.InvariantCulture)}]";
}

/// <summary>
/// A JSONPath expression as Redshift's COPY accepts it in a JSONPaths file: <c>$</c> followed by keys
/// in bracket (<c>$['a']['b']</c>) or dot (<c>$.a.b</c>) notation and array indexes (<c>[0]</c>); no
/// wildcards or filters.
/// </summary>
internal sealed class JsonPath
{
    private JsonPath(string text, IReadOnlyList<JsonPathStep> steps, bool usesDotNotation, bool usesBracketKeys)
    {
        Text = text;
        Steps = steps;
        UsesDotNotation = usesDotNotation;
        UsesBracketKeys = usesBracketKeys;
    }

    /// <summary>The expression as written.</summary>
    public string Text { get; }

    public IReadOnlyList<JsonPathStep> Steps { get; }

    internal bool UsesDotNotation { get; }

    internal bool UsesBracketKeys { get; }

    /// <summary>The path <c>$['key']</c>: how <c>FORMAT AS JSON 'auto'</c> maps a column.</summary>
    public static JsonPath ForKey(string key) => new($"$['{key}']", [JsonPathStep.ForKey(key)], usesDotNotation: false, usesBracketKeys: true);

    /// <summary>Parses one expression; the message of a failure says what is wrong with it.</summary>
    public static bool TryParse(string text, out JsonPath? path, out string? error)
    {
        path = null;
        if (text.Length == 0 || text[0] != '$')
        {
            error = "a JSONPath must start with '$'";
            return false;
        }

        var steps = new List<JsonPathStep>();
        var dot = false;
        var bracketKeys = false;
        var i = 1;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '.')
            {
                var start = ++i;
                while (i < text.Length && text[i] != '.' && text[i] != '[')
                {
                    i++;
                }

                var key = text[start..i];
                if (key.Length == 0)
                {
                    error = "an empty key after '.'";
                    return false;
                }

                if (key is "*" || key.Contains('*', StringComparison.Ordinal))
                {
                    error = "wildcards are not supported (Redshift COPY does not support them either)";
                    return false;
                }

                dot = true;
                steps.Add(JsonPathStep.ForKey(key));
            }
            else if (c == '[')
            {
                i++;
                if (i < text.Length && (text[i] == '\'' || text[i] == '"'))
                {
                    var quote = text[i];
                    var end = text.IndexOf(quote, i + 1);
                    if (end < 0 || end + 1 >= text.Length || text[end + 1] != ']')
                    {
                        error = $"an unterminated key at position {i.ToString(CultureInfo.InvariantCulture)}";
                        return false;
                    }

                    bracketKeys = true;
                    steps.Add(JsonPathStep.ForKey(text[(i + 1)..end]));
                    i = end + 2;
                }
                else
                {
                    var start = i;
                    while (i < text.Length && char.IsAsciiDigit(text[i]))
                    {
                        i++;
                    }

                    if (i == start || i >= text.Length || text[i] != ']')
                    {
                        error = text.AsSpan(start).StartsWith("*") || text.AsSpan(start).StartsWith("?")
                            ? "wildcards and filters are not supported (Redshift COPY does not support them either)"
                            : $"expected a quoted key or an array index at position {start.ToString(CultureInfo.InvariantCulture)}";
                        return false;
                    }

                    if (!int.TryParse(text.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                    {
                        error = "an array index that is too large";
                        return false;
                    }

                    steps.Add(JsonPathStep.ForIndex(index));
                    i++;
                }
            }
            else
            {
                error = $"unexpected '{c}' at position {i.ToString(CultureInfo.InvariantCulture)}";
                return false;
            }
        }

        if (steps.Count == 0)
        {
            error = "'$' alone does not name an element";
            return false;
        }

        if (!steps[0].IsKey)
        {
            // Each record must be a JSON object (anything else is rejected), so a path into a top-level array can never match.
            error = "the first step must be a key, because each record is a JSON object";
            return false;
        }

        error = null;
        path = new JsonPath(text, steps, dot, bracketKeys);
        return true;
    }

    public override string ToString() => Text;
}

/// <summary>Reads a JSONPaths file: <c>{"jsonpaths": ["$['artist']", ...]}</c>.</summary>
internal static class JsonPathsFile
{
    /// <summary>A JSONPaths file larger than this is certainly not one.</summary>
    internal const int MaxBytes = 1 << 20;

    /// <summary>
    /// The mapping of the contract (and of the real <c>log_json_path.json</c>): the 18 camelCase event
    /// keys in <c>staging_events</c> column order. Used when a load names no JSONPaths file.
    /// </summary>
    public static IReadOnlyList<JsonPath> DefaultEventPaths { get; } =
    [
        .. new[]
        {
            "artist", "auth", "firstName", "gender", "itemInSession", "lastName", "length", "level", "location",
            "method", "page", "registration", "sessionId", "song", "status", "ts", "userAgent", "userId",
        }.Select(JsonPath.ForKey),
    ];

    /// <summary>Reads and parses the JSONPaths file <paramref name="source"/>.</summary>
    /// <exception cref="WarehouseException">The file cannot be read or is not a valid JSONPaths file.</exception>
    public static async Task<IReadOnlyList<JsonPath>> ReadAsync(Sources.SourceFile source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        byte[] bytes;
        try
        {
            var stream = await source.OpenReadAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                using var buffer = new MemoryStream();
                var chunk = new byte[16 * 1024];
                int read;
                while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    if (buffer.Length + read > MaxBytes)
                    {
                        throw new WarehouseException($"JSONPaths file '{source.Name}' is larger than 1 MB; it should hold one small {{\"jsonpaths\": [...]}} object.");
                    }

                    buffer.Write(chunk, 0, read);
                }

                bytes = buffer.ToArray();
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new WarehouseException($"Could not read JSONPaths file '{source.Name}': {ex.Message}", ex);
        }

        return Parse(bytes, source.Name);
    }

    /// <summary>Parses the text of a JSONPaths file; <paramref name="name"/> only names it in messages.</summary>
    /// <exception cref="WarehouseException">The text is not a valid JSONPaths file.</exception>
    public static IReadOnlyList<JsonPath> Parse(ReadOnlySpan<byte> utf8, string name)
    {
        if (utf8.StartsWith(JsonRecordReader.Utf8Bom))
        {
            utf8 = utf8[JsonRecordReader.Utf8Bom.Length..];
        }

        var texts = new List<string>();
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw Invalid(name, "it is not a JSON object");
            }

            var found = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                // Redshift silently falls back to 'auto' when the key is not "jsonpaths"; for camelCase
                // event keys that loads every column as NULL, so here it is an error instead.
                var isPaths = reader.ValueTextEquals("jsonpaths"u8);
                reader.Read();
                if (!isPaths)
                {
                    reader.Skip();
                    continue;
                }

                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    throw Invalid(name, "\"jsonpaths\" is not an array");
                }

                found = true;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        throw Invalid(name, "every element of \"jsonpaths\" must be a string");
                    }

                    texts.Add(reader.GetString()!);
                }
            }

            if (!found)
            {
                throw Invalid(name, "it has no \"jsonpaths\" key");
            }
        }
        catch (JsonException ex)
        {
            throw Invalid(name, "it is not valid JSON: " + JsonRecordReader.DescribeJsonError(ex));
        }
        catch (InvalidOperationException ex)
        {
            throw Invalid(name, ex.Message);
        }

        if (texts.Count == 0)
        {
            throw Invalid(name, "\"jsonpaths\" is empty");
        }

        var paths = new List<JsonPath>(texts.Count);
        for (var i = 0; i < texts.Count; i++)
        {
            if (!JsonPath.TryParse(texts[i], out var path, out var error))
            {
                throw Invalid(name, $"path {(i + 1).ToString(CultureInfo.InvariantCulture)} (\"{texts[i]}\"): {error}");
            }

            paths.Add(path!);
        }

        if (paths.Any(p => p.UsesDotNotation) && paths.Any(p => p.UsesBracketKeys))
        {
            throw Invalid(name, "it mixes bracket and dot notation, which Redshift COPY rejects; use one of them");
        }

        return paths;
    }

    private static WarehouseException Invalid(string name, string why)
        => new(new StringBuilder().Append("JSONPaths file '").Append(name).Append("' is not valid: ").Append(why)
            .Append(". Expected {\"jsonpaths\": [\"$['artist']\", ...]} with one path per staging_events column.").ToString());
}
