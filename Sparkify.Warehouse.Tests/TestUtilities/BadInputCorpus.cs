using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;

namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>What a load makes of one line (or one song object) of the corpus.</summary>
internal enum LineOutcome
{
    /// <summary>Staged: one row in its staging table.</summary>
    Loaded,

    /// <summary>Rejected: one row in <c>load_errors</c>, the rest of the file still loads.</summary>
    Rejected,
}

/// <summary>One expected outcome: where, what, and for a reject the column and a fragment of the reason.</summary>
internal sealed record CorpusCase(string Name, string File, long Line, LineOutcome Outcome, string? Column = null, string? Reason = null);

/// <summary>
/// A broad bad-input corpus, written to a temporary folder as event logs and song files: every kind of
/// malformed, hostile or merely unusual input the issue names, each with the outcome a load must give it (README "Loading").
/// Loaded events carry a distinct <c>userAgent</c> marker and <c>itemInSession</c>, so each is its own
/// songplay and can be found in staging.
/// </summary>
internal sealed class BadInputCorpus : IDisposable
{
    public const string EventsFile = "2018-11-30-corpus.json";
    public const string BomCrlfFile = "2018-11-29-bom-crlf.json";
    public const string EmptyFile = "2018-11-28-empty.json";
    public const string EmptyGzipFile = "2018-11-27-empty.json.gz";
    public const string GzipFile = "2018-11-26-good.json.gz";
    public const string SongsFile = "TRCORPUS.json";

    private readonly List<CorpusCase> _cases = [];
    private int _item;

    private BadInputCorpus()
    {
        Root = Directory.CreateTempSubdirectory("sparkify-corpus-").FullName;
        Events = Directory.CreateDirectory(Path.Combine(Root, "log_data")).FullName;
        Songs = Directory.CreateDirectory(Path.Combine(Root, "song_data")).FullName;
    }

    public string Root { get; }

    /// <summary>The event logs folder.</summary>
    public string Events { get; }

    /// <summary>The song files folder.</summary>
    public string Songs { get; }

    public IReadOnlyList<CorpusCase> Cases => _cases;

    public IEnumerable<CorpusCase> Rejected => _cases.Where(c => c.Outcome == LineOutcome.Rejected);

    public static BadInputCorpus Write()
    {
        var corpus = new BadInputCorpus();
        corpus.WriteEvents();
        corpus.WriteBomCrlf();
        File.WriteAllBytes(Path.Combine(corpus.Events, EmptyFile), []);
        File.WriteAllBytes(Path.Combine(corpus.Events, EmptyGzipFile), []);
        corpus.WriteGzip();
        corpus.WriteSongs();
        return corpus;
    }

    /// <summary>A valid NextSong event, distinct by <paramref name="marker"/> (its user agent) and a fresh itemInSession.</summary>
    public JsonObject Event(string marker) => new()
    {
        ["artist"] = "Des'ree", ["auth"] = "Logged In", ["firstName"] = "Kaylee", ["gender"] = "F", ["itemInSession"] = _item++,
        ["lastName"] = "Summers", ["length"] = 246.30812, ["level"] = "free", ["location"] = "Phoenix-Mesa-Scottsdale, AZ",
        ["method"] = "PUT", ["page"] = "NextSong", ["registration"] = 1540344794796.0, ["sessionId"] = 139,
        ["song"] = "You Gotta Be", ["status"] = 200, ["ts"] = 1541106106796L, ["userAgent"] = marker, ["userId"] = "8",
    };

    public void Dispose() => Directory.Delete(Root, recursive: true);

    private void WriteEvents()
    {
        var lines = new List<byte[]>();
        var path = Path.Combine(Events, EventsFile);
        void Add(string name, LineOutcome outcome, string line, string? column = null, string? reason = null)
        {
            lines.Add(Encoding.UTF8.GetBytes(line));
            _cases.Add(new CorpusCase(name, path, lines.Count, outcome, column, reason));
        }

        void Loaded(string name, JsonObject record) => Add(name, LineOutcome.Loaded, record.ToJsonString());
        void Reject(string name, string line, string? column, string reason) => Add(name, LineOutcome.Rejected, line, column, reason);
        string With(string marker, string key, JsonNode? value)
        {
            var record = Event(marker);
            record[key] = value;
            return record.ToJsonString();
        }

        Loaded("good", Event("good"));
        Reject("not JSON", "this is not JSON at all", null, "malformed JSON");
        Reject("truncated JSON", """{"artist": "Des'ree", "auth": "Logged""", null, "malformed JSON");
        Reject("a JSON array", """[{"artist": "Des'ree"}, 2, 3]""", null, "not a JSON object (found an array)");
        Reject("a number", "42", null, "not a JSON object (found a number)");
        Reject("a string", "\"userAgent\"", null, "not a JSON object (found a string)");
        Reject("null", "null", null, "not a JSON object (found null)");
        Reject("true", "true", null, "not a JSON object");

        // A wrong type in every typed column of staging_events.
        Reject("text for item_in_session", With("bad-item", "itemInSession", "two"), "item_in_session", "cannot convert \"two\" to integer");
        Reject("text for length", With("bad-length", "length", "fast"), "length", "cannot convert \"fast\" to double precision");
        Reject("boolean for registration", With("bad-registration", "registration", true), "registration", "cannot convert true to");
        Reject("object for session_id", With("bad-session", "sessionId", new JsonObject { ["id"] = 139 }), "session_id", "cannot convert a JSON object to integer");
        Reject("array for status", With("bad-status", "status", new JsonArray(200)), "status", "cannot convert a JSON array to integer");
        Reject("text for ts", With("bad-ts", "ts", "abc"), "ts", "cannot convert \"abc\" to bigint");
        Reject("fraction for session_id", With("fraction", "sessionId", 1.5), "session_id", "not a whole number");

        // Numbers out of range.
        Reject("int overflow", With("int-overflow", "itemInSession", 2147483648L), "item_in_session", "out of range");
        Reject("bigint overflow", Event("bigint-overflow").ToJsonString().Replace("1541106106796", "9223372036854775808", StringComparison.Ordinal), "ts", "out of range");
        Reject("1e400", Event("huge").ToJsonString().Replace("246.30812", "1e400", StringComparison.Ordinal), "length", "not a finite number");
        Reject("-1e400", Event("huge-negative").ToJsonString().Replace("1540344794796", "-1e400", StringComparison.Ordinal), "registration", "not a finite number");

        // Text a varchar cannot hold.
        Reject("over its column length", With("too-long", "gender", new string('F', 33)), "gender", "longer than");
        Reject("a 70,000-character value", With("huge-value", "song", new string('x', 70_000)), "song", "longer than");
        Reject("a NUL character", With("nul", "artist", "Des\u0000ree"), "artist", "NUL");
        lines.Add(Replace(Encoding.UTF8.GetBytes(With("bad-utf8", "artist", "Des-MARK-ree")), "-MARK-"u8.ToArray(), [0xC3, 0x28, 0xFF]));
        _cases.Add(new CorpusCase("invalid UTF-8", path, lines.Count, LineOutcome.Rejected, "artist", "not valid UTF-8"));

        // Nesting: within limits it loads as JSON text; ten thousand levels deep it is refused, not a stack overflow.
        Add("a nested value", LineOutcome.Loaded, With("nested", "location", JsonNode.Parse("""{"city": {"name": "Mesa", "zip": [85201, {"plus4": null}]}}""")));
        Reject("deeply nested", Event("deep").ToJsonString().Replace("\"method\":\"PUT\"", "\"extra\":" + new string('[', 10_000) + new string(']', 10_000) + ",\"method\":\"PUT\"", StringComparison.Ordinal),
            null, "malformed JSON");

        // Unusual but fine.
        var reversed = new JsonObject();
        foreach (var (key, value) in Event("reordered").Reverse().ToList())
        {
            reversed[key] = value?.DeepClone();
        }

        Loaded("keys in another order", reversed);
        var extra = Event("extra-keys");
        extra["favouriteColour"] = "blue";
        extra["nested_unknown"] = new JsonObject { ["deep"] = new JsonArray(1, 2, 3) };
        extra["unknown_huge"] = new string('y', 70_000);
        Loaded("unknown extra keys, one of them 70,000 characters", extra);
        Add("a duplicate key (the last value wins)", LineOutcome.Loaded, With("duplicate", "level", "free").TrimEnd('}') + ",\"level\":\"paid\"}");
        Add("a number in a string", LineOutcome.Loaded, With("numeric-string", "ts", "1541106106796"));
        Add("an empty string in a number column", LineOutcome.Loaded, With("empty-number", "length", ""));
        lines.Add([]);
        lines.Add(" \t "u8.ToArray());
        Loaded("after blank lines", Event("after-blank"));

        File.WriteAllBytes(path, Join(lines, "\n"u8));
    }

    private void WriteBomCrlf()
    {
        var path = Path.Combine(Events, BomCrlfFile);
        var lines = new[] { Event("bom-first").ToJsonString(), Event("crlf-second").ToJsonString(), "{\"ts\": \"crlf\"}", Event("crlf-last").ToJsonString() };
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. Join([.. lines.Select(Encoding.UTF8.GetBytes)], "\r\n"u8), .. "\r\n"u8]);
        _cases.Add(new CorpusCase("a UTF-8 BOM before the first line", path, 1, LineOutcome.Loaded));
        _cases.Add(new CorpusCase("CRLF line endings", path, 2, LineOutcome.Loaded));
        _cases.Add(new CorpusCase("a reject in a CRLF file", path, 3, LineOutcome.Rejected, "ts", "cannot convert \"crlf\""));
        _cases.Add(new CorpusCase("the last CRLF line", path, 4, LineOutcome.Loaded));
    }

    private void WriteGzip()
    {
        var path = Path.Combine(Events, GzipFile);
        using (var gzip = new GZipStream(File.Create(path), CompressionLevel.Optimal))
        {
            gzip.Write(Encoding.UTF8.GetBytes(Event("gzipped").ToJsonString() + "\n"));
        }

        _cases.Add(new CorpusCase("a gzip-compressed log", path, 1, LineOutcome.Loaded));
    }

    private void WriteSongs()
    {
        var path = Path.Combine(Songs, SongsFile);
        static JsonObject Song(string id) => new()
        {
            ["num_songs"] = 1, ["artist_id"] = "ARCORPUS1187B9A1B2", ["artist_latitude"] = 33.4, ["artist_longitude"] = -111.8,
            ["artist_location"] = "Mesa, AZ", ["artist_name"] = "Des'ree", ["song_id"] = id, ["title"] = "You Gotta Be",
            ["duration"] = 246.30812, ["year"] = 1994,
        };

        string With(string id, string key, JsonNode? value)
        {
            var song = Song(id);
            song[key] = value;
            return song.ToJsonString();
        }

        // Song files are concatenated objects (Redshift 'auto'): one per line here, the last pretty-printed.
        var objects = new List<(string Text, CorpusCase Case)>();
        void Add(string name, string text, LineOutcome outcome, string? column = null, string? reason = null)
            => objects.Add((text, new CorpusCase(name, path, objects.Count + 1, outcome, column, reason)));

        Add("a good song", Song("SOCORPUS0000000001").ToJsonString(), LineOutcome.Loaded);
        Add("text for num_songs", With("SOCORPUS0000000002", "num_songs", "one"), LineOutcome.Rejected, "num_songs", "cannot convert \"one\" to integer");
        Add("text for artist_latitude", With("SOCORPUS0000000003", "artist_latitude", "north"), LineOutcome.Rejected, "artist_latitude", "cannot convert \"north\" to double precision");
        Add("boolean for artist_longitude", With("SOCORPUS0000000004", "artist_longitude", false), LineOutcome.Rejected, "artist_longitude", "cannot convert false to double precision");
        Add("array for duration", With("SOCORPUS0000000005", "duration", new JsonArray(1, 2)), LineOutcome.Rejected, "duration", "cannot convert a JSON array to double precision");
        Add("fraction for year", With("SOCORPUS0000000006", "year", 1994.5), LineOutcome.Rejected, "year", "not a whole number");
        Add("a scalar between objects", "1994", LineOutcome.Rejected, null, "not a JSON object");
        var last = Song("SOCORPUS0000000007").ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        Add("a pretty-printed song", last, LineOutcome.Loaded);
        File.WriteAllText(path, string.Join('\n', objects.Select(o => o.Text)) + "\n", new UTF8Encoding(false));
        _cases.AddRange(objects.Select(o => o.Case));
    }

    private static byte[] Join(IReadOnlyList<byte[]> lines, ReadOnlySpan<byte> separator)
    {
        var output = new MemoryStream();
        for (var i = 0; i < lines.Count; i++)
        {
            if (i > 0)
            {
                output.Write(separator);
            }

            output.Write(lines[i]);
        }

        return output.ToArray();
    }

    private static byte[] Replace(byte[] source, byte[] find, byte[] replacement)
    {
        var at = source.AsSpan().IndexOf(find);
        return [.. source.AsSpan(0, at), .. replacement, .. source.AsSpan(at + find.Length)];
    }
}
