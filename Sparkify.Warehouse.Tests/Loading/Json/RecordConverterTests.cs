using System.Text;
using Sparkify.Warehouse.Loading.Json;
using Sparkify.Warehouse.Loading.PostgreSql;
using Sparkify.Warehouse.Tests.TestUtilities;
using static Sparkify.Warehouse.Tests.TestUtilities.StagingTestSupport;

namespace Sparkify.Warehouse.Tests.Loading.Json;

[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class RecordConverterTests
{
    // The first NextSong event of the real sample (2018-11-01-events.json, line 3), verbatim.
    private const string SampleEvent =
        """{"artist":"Des'ree","auth":"Logged In","firstName":"Kaylee","gender":"F","itemInSession":1,"lastName":"Summers","length":246.30812,"level":"free","location":"Phoenix-Mesa-Scottsdale, AZ","method":"PUT","page":"NextSong","registration":1540344794796.0,"sessionId":139,"song":"You Gotta Be","status":200,"ts":1541106106796,"userAgent":"\"Mozilla\/5.0 (Windows NT 6.1; WOW64) AppleWebKit\/537.36 (KHTML, like Gecko) Chrome\/35.0.1916.153 Safari\/537.36\"","userId":"8"}""";

    [Fact]
    public void A_real_event_maps_every_key_to_its_column_with_its_type()
    {
        var converter = EventConverter();
        Assert.True(converter.TryConvert(Encoding.UTF8.GetBytes(SampleEvent), out var failure), failure.Reason);

        Assert.Equal("Des'ree", converter.Value("artist"));
        Assert.Equal("Logged In", converter.Value("auth"));
        Assert.Equal("Kaylee", converter.Value("first_name"));
        Assert.Equal("F", converter.Value("gender"));
        Assert.Equal(1, converter.Value("item_in_session"));
        Assert.Equal("Summers", converter.Value("last_name"));
        Assert.Equal(246.30812, converter.Value("length"));
        Assert.Equal("free", converter.Value("level"));
        Assert.Equal("Phoenix-Mesa-Scottsdale, AZ", converter.Value("location"));
        Assert.Equal("PUT", converter.Value("method"));
        Assert.Equal("NextSong", converter.Value("page"));
        Assert.Equal(1540344794796.0, converter.Value("registration"));
        Assert.Equal(139, converter.Value("session_id"));
        Assert.Equal("You Gotta Be", converter.Value("song"));
        Assert.Equal(200, converter.Value("status"));
        Assert.Equal(1541106106796L, converter.Value("ts"));
        Assert.Equal("\"Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/35.0.1916.153 Safari/537.36\"", converter.Value("user_agent"));
        Assert.Equal("8", converter.Value("user_id"));
    }

    [Fact]
    public void Keys_in_any_order_and_escaped_key_names_still_match()
    {
        var converter = EventConverter();
        Assert.True(converter.TryConvert("""{"userId":"5","ts":7,"first\u004eame":"Ann","sessionId":3}"""u8, out _));

        Assert.Equal("5", converter.Value("user_id"));
        Assert.Equal(7L, converter.Value("ts"));
        Assert.Equal("Ann", converter.Value("first_name"));
        Assert.Equal(3, converter.Value("session_id"));
    }

    [Fact]
    public void Missing_keys_and_nulls_load_as_null_and_unknown_keys_are_ignored()
    {
        var converter = EventConverter();
        Assert.True(converter.TryConvert("""{"artist":null,"extra":{"deep":[1,2,{"x":1}]},"ts":5}"""u8, out _));

        Assert.Null(converter.Value("artist"));
        Assert.Null(converter.Value("user_id"));
        Assert.Null(converter.Value("length"));
        Assert.Equal(5L, converter.Value("ts"));
    }

    [Fact]
    public void A_string_holding_a_number_loads_into_a_numeric_column()
    {
        var converter = EventConverter();
        Assert.True(converter.TryConvert("""{"ts":"1541105830796","sessionId":" 42 ","length":"246.5","status":"+200"}"""u8, out _));

        Assert.Equal(1541105830796L, converter.Value("ts"));
        Assert.Equal(42, converter.Value("session_id"));
        Assert.Equal(246.5, converter.Value("length"));
        Assert.Equal(200, converter.Value("status"));
    }

    [Fact]
    public void An_empty_string_is_null_in_a_numeric_column_but_stays_empty_in_a_varchar()
    {
        var converter = EventConverter();
        Assert.True(converter.TryConvert("""{"ts":"","length":"  ","userId":"","artist":""}"""u8, out _));

        Assert.Null(converter.Value("ts"));
        Assert.Null(converter.Value("length"));
        Assert.Equal("", converter.Value("user_id"));
        Assert.Equal("", converter.Value("artist"));
    }

    [Fact]
    public void Numbers_booleans_and_nested_values_load_into_a_varchar_as_their_JSON_text()
    {
        var converter = EventConverter();
        Assert.True(converter.TryConvert("""{"userId":39,"gender":true,"level":false,"location":{"city":"Paris","n":[1, 2]},"song":[1,"a"],"method":-1.5e3}"""u8, out _));

        Assert.Equal("39", converter.Value("user_id"));
        Assert.Equal("true", converter.Value("gender"));
        Assert.Equal("false", converter.Value("level"));
        Assert.Equal("""{"city":"Paris","n":[1, 2]}""", converter.Value("location"));
        Assert.Equal("""[1,"a"]""", converter.Value("song"));
        Assert.Equal("-1.5e3", converter.Value("method"));
    }

    [Fact]
    public void A_repeated_key_takes_its_last_value()
    {
        var converter = EventConverter();
        Assert.True(converter.TryConvert("""{"ts":1,"userId":"a","ts":2,"userId":null}"""u8, out _));

        Assert.Equal(2L, converter.Value("ts"));
        Assert.Null(converter.Value("user_id"));
    }

    [Theory]
    [InlineData("""{"ts":"abc"}""", "ts", "cannot convert \"abc\" to bigint: not a number")]
    [InlineData("""{"sessionId":1.5}""", "session_id", "cannot convert 1.5 to integer: not a whole number")]
    [InlineData("""{"sessionId":1.0}""", "session_id", "cannot convert 1.0 to integer: not a whole number")]
    [InlineData("""{"sessionId":"1e2"}""", "session_id", "cannot convert \"1e2\" to integer: not a whole number")]
    [InlineData("""{"itemInSession":2147483648}""", "item_in_session", "cannot convert 2147483648 to integer: out of range")]
    [InlineData("""{"ts":"-9223372036854775809"}""", "ts", "cannot convert \"-9223372036854775809\" to bigint: out of range")]
    [InlineData("""{"ts":99999999999999999999999}""", "ts", "cannot convert 99999999999999999999999 to bigint: out of range")]
    [InlineData("""{"status":true}""", "status", "cannot convert true to integer")]
    [InlineData("""{"status":{"code":200}}""", "status", "cannot convert a JSON object to integer")]
    [InlineData("""{"ts":[1]}""", "ts", "cannot convert a JSON array to bigint")]
    [InlineData("""{"length":"fast"}""", "length", "cannot convert \"fast\" to double precision: not a number")]
    [InlineData("""{"length":"NaN"}""", "length", "cannot convert \"NaN\" to double precision: not a finite number")]
    [InlineData("""{"registration":1e400}""", "registration", "cannot convert 1e400 to double precision: not a finite number")]
    [InlineData("""{"length":false}""", "length", "cannot convert false to double precision")]
    public void A_value_that_does_not_convert_rejects_the_record_naming_the_column(string record, string column, string reason)
    {
        var converter = EventConverter();
        Assert.False(converter.TryConvert(Encoding.UTF8.GetBytes(record), out var failure));

        Assert.Equal(column, converter.Columns[failure.Column].Name);
        Assert.Equal(reason, failure.Reason);
    }

    [Fact]
    public void The_extreme_integers_of_each_type_load()
    {
        var converter = EventConverter();
        Assert.True(converter.TryConvert("""{"ts":-9223372036854775808,"sessionId":2147483647,"status":"-2147483648"}"""u8, out var failure), failure.Reason);

        Assert.Equal(long.MinValue, converter.Value("ts"));
        Assert.Equal(int.MaxValue, converter.Value("session_id"));
        Assert.Equal(int.MinValue, converter.Value("status"));
    }

    [Fact]
    public void Varchar_lengths_are_checked_in_UTF8_bytes_as_on_Redshift()
    {
        var converter = EventConverter();

        // 512 two-byte characters are 1,024 bytes: exactly varchar(1024).
        Assert.True(converter.TryConvert(Encoding.UTF8.GetBytes($$"""{"artist":"{{new string('é', 512)}}"}"""), out _));
        Assert.Equal(new string('é', 512), converter.Value("artist"));

        // 513 of them are only 513 characters, which PostgreSQL would accept, but 1,026 bytes.
        Assert.False(converter.TryConvert(Encoding.UTF8.GetBytes($$"""{"artist":"{{new string('é', 513)}}"}"""), out var failure));
        Assert.Equal("artist", converter.Columns[failure.Column].Name);
        Assert.Equal("value of 1026 bytes is longer than varchar(1024)", failure.Reason);

        // The length counts the unescaped text: 32 escaped characters fit varchar(32).
        Assert.True(converter.TryConvert(Encoding.UTF8.GetBytes($$"""{"level":"{{string.Concat(Enumerable.Repeat("\\u0041", 32))}}"}"""), out _));
        Assert.Equal(new string('A', 32), converter.Value("level"));
    }

    [Fact]
    public void Text_a_varchar_cannot_hold_rejects_the_record()
    {
        var converter = EventConverter();

        Assert.False(converter.TryConvert("""{"artist":"a\u0000b"}"""u8, out var nul));
        Assert.Equal("string contains a NUL character (\\u0000), which a varchar cannot store", nul.Reason);

        Assert.False(converter.TryConvert("""{"artist":"\ud800"}"""u8, out var surrogate));
        Assert.Equal("string contains an invalid \\u escape (an unpaired UTF-16 surrogate)", surrogate.Reason);

        Assert.False(converter.TryConvert([.. """{"artist":"caf"""u8, 0xC3, 0x28, .. "\"}"u8], out var utf8));
        Assert.Equal("string is not valid UTF-8", utf8.Reason);
        Assert.Equal("artist", converter.Columns[utf8.Column].Name);

        // Escaped astral characters are fine.
        Assert.True(converter.TryConvert("""{"artist":"\ud83c\udfb5 caf\u00e9"}"""u8, out _));
        Assert.Equal("\U0001F3B5 café", converter.Value("artist"));
    }

    [Theory]
    [InlineData("[1,2]", "not a JSON object (found an array)")]
    [InlineData("\"text\"", "not a JSON object (found a string)")]
    [InlineData("42", "not a JSON object (found a number)")]
    [InlineData("null", "not a JSON object (found null)")]
    public void A_line_holding_another_JSON_value_is_rejected_without_a_column(string line, string reason)
    {
        var converter = EventConverter();
        Assert.False(converter.TryConvert(Encoding.UTF8.GetBytes(line), out var failure));

        Assert.Equal(-1, failure.Column);
        Assert.Equal(reason, failure.Reason);
    }

    // The middle of the message is System.Text.Json's wording; the position is the converter's.
    [Theory]
    [InlineData("not json", 2)]
    [InlineData("{\"ts\":1", 8)]
    [InlineData("{\"ts\":1} {\"ts\":2}", 10)]
    [InlineData("{\"ts\":1,}", 9)]
    [InlineData("{\"ts\":\"a\u0001\"}", 9)]
    [InlineData("{'ts':1}", 2)]
    public void A_line_that_is_not_valid_JSON_is_rejected_as_malformed_with_the_position(string line, int bytePosition)
    {
        var converter = EventConverter();
        Assert.False(converter.TryConvert(Encoding.UTF8.GetBytes(line), out var failure));

        Assert.Equal(-1, failure.Column);
        Assert.StartsWith("malformed JSON: ", failure.Reason);
        Assert.EndsWith($"(at byte {bytePosition})", failure.Reason);
        Assert.DoesNotContain("LineNumber", failure.Reason);
    }

    [Fact]
    public void Nested_JSONPaths_reach_into_objects_and_arrays()
    {
        var paths = Enumerable.Range(0, StagingTestSupport.Events.Columns.Count).Select(i => Path($"$['unused{i}']")).ToList();
        paths[0] = Path("$['track']['artist']['name']");
        paths[12] = Path("$['ids'][1]");
        paths[15] = Path("$['time']['ts']");
        paths[17] = Path("$['ids'][0]");
        var converter = new RecordConverter(RecordMapping.JsonPaths(StagingTestSupport.Events, paths));

        Assert.True(converter.TryConvert("""{"ids":["u7", 99, 3],"time":{"ts":"12"},"track":{"artist":{"name":"Muse"}}}"""u8, out var failure), failure.Reason);
        Assert.Equal("Muse", converter.Value("artist"));
        Assert.Equal(99, converter.Value("session_id"));
        Assert.Equal(12L, converter.Value("ts"));
        Assert.Equal("u7", converter.Value("user_id"));

        // A missing object element is NULL; a missing array element is an error, as in Redshift.
        Assert.True(converter.TryConvert("""{"ids":["u7", 99],"track":{}}"""u8, out _));
        Assert.Null(converter.Value("artist"));
        Assert.Null(converter.Value("ts"));
        Assert.False(converter.TryConvert("""{"ids":["u7"]}"""u8, out var outOfRange));
        Assert.Equal("session_id", converter.Columns[outOfRange.Column].Name);
        Assert.Equal("JSONPath $['ids'][1]: not an array, or the index is out of range", outOfRange.Reason);
        Assert.False(converter.TryConvert("""{"ids":"u7"}"""u8, out var notArray));
        Assert.Equal("session_id", converter.Columns[notArray.Column].Name);
        Assert.True(converter.TryConvert("""{"ids":null}"""u8, out _));
        Assert.Null(converter.Value("user_id"));
    }

    [Fact]
    public void Two_columns_may_read_the_same_element()
    {
        var paths = JsonPathsFile.DefaultEventPaths.ToList();
        paths[0] = Path("$['song']");
        var converter = new RecordConverter(RecordMapping.JsonPaths(StagingTestSupport.Events, paths));

        Assert.True(converter.TryConvert("""{"song":"Yellow"}"""u8, out _));
        Assert.Equal("Yellow", converter.Value("artist"));
        Assert.Equal("Yellow", converter.Value("song"));
    }

    [Fact]
    public void Song_records_map_keys_to_columns_by_name_case_sensitively()
    {
        var converter = SongConverter();
        Assert.True(converter.TryConvert("""
            {"num_songs": 1, "artist_id": "ARD7TVE1187B99BFB1", "artist_latitude": null, "artist_longitude": -118.5,
             "artist_location": "California - LA", "artist_name": "Casual", "song_id": "SOMZWCG12A8C13C480",
             "title": "I Didn't Mean To", "duration": 218.93179, "year": 0, "Title": "ignored", "TITLE": "ignored"}
            """u8, out var failure), failure.Reason);

        Assert.Equal(1, converter.Value("num_songs"));
        Assert.Equal("ARD7TVE1187B99BFB1", converter.Value("artist_id"));
        Assert.Null(converter.Value("artist_latitude"));
        Assert.Equal(-118.5, converter.Value("artist_longitude"));
        Assert.Equal("California - LA", converter.Value("artist_location"));
        Assert.Equal("Casual", converter.Value("artist_name"));
        Assert.Equal("SOMZWCG12A8C13C480", converter.Value("song_id"));
        Assert.Equal("I Didn't Mean To", converter.Value("title"));
        Assert.Equal(218.93179, converter.Value("duration"));
        Assert.Equal(0, converter.Value("year"));
    }

    [Fact]
    public void A_converter_is_reset_between_records()
    {
        var converter = EventConverter();
        Assert.True(converter.TryConvert("""{"artist":"A","ts":1}"""u8, out _));
        Assert.False(converter.TryConvert("""{"song":"S","ts":"x"}"""u8, out _));
        Assert.True(converter.TryConvert("""{"song":"S"}"""u8, out _));

        Assert.Null(converter.Value("artist"));
        Assert.Null(converter.Value("ts"));
        Assert.Equal("S", converter.Value("song"));
    }

    [Fact]
    public void WriteRow_emits_the_binary_COPY_fields_in_table_order()
    {
        var converter = SongConverter();
        Assert.True(converter.TryConvert("""{"year":1999,"title":"Ab","num_songs":"1","duration":1.5}"""u8, out _));
        using var buffer = new PgBinaryCopyBuffer();
        converter.WriteRow(buffer);

        byte[] expected =
        [
            0, 10, // ten fields
            0, 0, 0, 4, 0, 0, 0, 1, // num_songs int4 1
            0xFF, 0xFF, 0xFF, 0xFF, // artist_id NULL
            0xFF, 0xFF, 0xFF, 0xFF, // artist_latitude NULL
            0xFF, 0xFF, 0xFF, 0xFF, // artist_longitude NULL
            0xFF, 0xFF, 0xFF, 0xFF, // artist_location NULL
            0xFF, 0xFF, 0xFF, 0xFF, // artist_name NULL
            0xFF, 0xFF, 0xFF, 0xFF, // song_id NULL
            0, 0, 0, 2, (byte)'A', (byte)'b', // title
            0, 0, 0, 8, 0x3F, 0xF8, 0, 0, 0, 0, 0, 0, // duration float8 1.5
            0, 0, 0, 4, 0, 0, 0x07, 0xCF, // year int4 1999
        ];
        Assert.Equal(expected, buffer.WrittenSpan.ToArray());
    }

    [Fact]
    public async Task Mutated_sample_records_are_loaded_or_rejected_but_never_throw()
    {
        // No input may crash the load: bad records are rejected with a reason. Flip, drop, duplicate and insert bytes in real records
        // (fixed seed, so a failure reproduces) and run them through both framings and the converter.
        var random = new Random(20181101);
        var lines = File.ReadLines(System.IO.Path.Combine(TestUtilities.TestEnvironment.SampleLogs, "2018", "11", "2018-11-01-events.json"))
            .Select(Encoding.UTF8.GetBytes).ToList();
        byte[] interesting = [(byte)'{', (byte)'}', (byte)'[', (byte)']', (byte)'"', (byte)'\\', (byte)':', (byte)',', (byte)'\n', 0, 0xC3, 0xFF, (byte)'u', (byte)'1', (byte)'.', (byte)'e', (byte)'-'];
        var converters = new[] { EventConverter(), SongConverter() };
        var loaded = 0;
        var rejected = 0;
        for (var round = 0; round < 3000; round++)
        {
            var bytes = lines[random.Next(lines.Count)].ToList();
            for (var edits = random.Next(1, 4); edits > 0 && bytes.Count > 0; edits--)
            {
                var at = random.Next(bytes.Count);
                switch (random.Next(4))
                {
                    case 0: bytes[at] = interesting[random.Next(interesting.Length)]; break;
                    case 1: bytes.RemoveAt(at); break;
                    case 2: bytes.RemoveRange(at, bytes.Count - at); break;
                    default: bytes.Insert(at, interesting[random.Next(interesting.Length)]); break;
                }
            }

            var input = bytes.ToArray();
            foreach (var converter in converters)
            {
                if (converter.TryConvert(input, out var failure))
                {
                    loaded++;
                }
                else
                {
                    rejected++;
                    Assert.False(string.IsNullOrEmpty(failure.Reason));
                }
            }

            var framed = await ReadAllAsync([.. input, (byte)'\n', .. lines[0]], round % 2 == 0 ? RecordFraming.JsonDocuments : RecordFraming.JsonLines, chunk: 1 + (round % 7));
            Assert.NotEmpty(framed);
        }

        Assert.True(loaded > 100 && rejected > 1000, $"loaded {loaded}, rejected {rejected}");
    }

    private static JsonPath Path(string text)
    {
        Assert.True(JsonPath.TryParse(text, out var path, out var error), error);
        return path!;
    }
}
