using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Sparkify.Warehouse.Loading.Json;
using Sparkify.Warehouse.Loading.PostgreSql;
using Sparkify.Warehouse.Loading.Sources;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Loading.Json;

[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class JsonPathsTests
{
    [Fact]
    public async Task The_sample_log_json_path_file_is_the_default_event_mapping()
    {
        var paths = await JsonPathsFile.ReadAsync(LocalSources.List(TestEnvironment.SampleJsonPaths).Single(), CancellationToken.None);

        Assert.Equal(JsonPathsFile.DefaultEventPaths.Select(p => p.Steps.Single().Key), paths.Select(p => p.Steps.Single().Key));
        Assert.Equal(18, paths.Count);
        Assert.Equal("$['artist']", paths[0].Text);
    }

    [Theory]
    [InlineData("$['a']", "['a']")]
    [InlineData("$[\"a b\"]", "['a b']")]
    [InlineData("$.a.b", "['a']['b']")]
    [InlineData("$['a'][0]['b']", "['a'][0]['b']")]
    [InlineData("$.a[12]", "['a'][12]")]
    public void TryParse_accepts_bracket_and_dot_notation_and_array_indexes(string text, string steps)
    {
        Assert.True(JsonPath.TryParse(text, out var path, out var error), error);
        Assert.Equal(steps, string.Concat(path!.Steps.Select(s => s.ToString())));
    }

    [Theory]
    [InlineData("a", "a JSONPath must start with '$'")]
    [InlineData("$", "'$' alone does not name an element")]
    [InlineData("$[0]", "the first step must be a key, because each record is a JSON object")]
    [InlineData("$.*", "wildcards are not supported (Redshift COPY does not support them either)")]
    [InlineData("$['a'][*]", "wildcards and filters are not supported (Redshift COPY does not support them either)")]
    [InlineData("$['a'][?(@.b)]", "wildcards and filters are not supported (Redshift COPY does not support them either)")]
    [InlineData("$['a", "an unterminated key at position 2")]
    [InlineData("$..a", "an empty key after '.'")]
    [InlineData("$a", "unexpected 'a' at position 1")]
    public void TryParse_rejects_what_Redshift_rejects_with_a_reason(string text, string expected)
    {
        Assert.False(JsonPath.TryParse(text, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("[]", "it is not a JSON object")]
    [InlineData("{\"paths\": [\"$.a\"]}", "it has no \"jsonpaths\" key")]
    [InlineData("{\"jsonpaths\": \"$.a\"}", "\"jsonpaths\" is not an array")]
    [InlineData("{\"jsonpaths\": []}", "\"jsonpaths\" is empty")]
    [InlineData("{\"jsonpaths\": [1]}", "every element of \"jsonpaths\" must be a string")]
    [InlineData("{\"jsonpaths\": [\"$.a\", \"$['b']\"]}", "it mixes bracket and dot notation, which Redshift COPY rejects; use one of them")]
    [InlineData("{\"jsonpaths\": [\"$.a\", \"b\"]}", "path 2 (\"b\"): a JSONPath must start with '$'")]
    [InlineData("{\"jsonpaths\": [\"$.a\"", "it is not valid JSON: Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array that should be closed.")]
    public void Parse_explains_what_is_wrong_with_a_bad_file(string text, string why)
    {
        var ex = Assert.Throws<WarehouseException>(() => JsonPathsFile.Parse(Encoding.UTF8.GetBytes(text), "paths.json"));
        Assert.StartsWith($"JSONPaths file 'paths.json' is not valid: {why}.", ex.Message);
    }

    [Fact]
    public void A_mapping_needs_exactly_one_path_per_column()
    {
        var paths = JsonPathsFile.Parse("{\"jsonpaths\": [\"$['artist']\", \"$['auth']\"]}"u8, "short.json");

        var ex = Assert.Throws<WarehouseException>(() => RecordMapping.JsonPaths(StagingTestSupport.Events, paths));
        Assert.StartsWith("The JSONPaths file has 2 paths but staging_events has 18 columns;", ex.Message);
    }

    [Fact]
    public void Staging_tables_come_from_the_model_in_the_contract_column_order()
    {
        Assert.Equal("staging_events", StagingTestSupport.Events.Name);
        Assert.Equal(
            ["artist", "auth", "first_name", "gender", "item_in_session", "last_name", "length", "level", "location", "method", "page",
             "registration", "session_id", "song", "status", "ts", "user_agent", "user_id"],
            StagingTestSupport.Events.Columns.Select(c => c.Name));
        Assert.Equal(
            ["varchar(1024)", "varchar(32)", "varchar(1024)", "varchar(32)", "integer", "varchar(1024)", "double precision", "varchar(32)",
             "varchar(1024)", "varchar(32)", "varchar(32)", "double precision", "integer", "varchar(1024)", "integer", "bigint",
             "varchar(1024)", "varchar(64)"],
            StagingTestSupport.Events.Columns.Select(c => c.SqlType));

        Assert.Equal("staging_songs", StagingTestSupport.Songs.Name);
        Assert.Equal(
            ["num_songs", "artist_id", "artist_latitude", "artist_longitude", "artist_location", "artist_name", "song_id", "title", "duration", "year"],
            StagingTestSupport.Songs.Columns.Select(c => c.Name));
    }

    [Fact]
    public void The_COPY_statement_names_every_column_in_table_order()
    {
        using var context = new WarehouseDbContext(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse("Host=localhost;Database=model_only").Options);
        var copy = new PostgresStagingCopy(RecordMapping.Auto(StagingTestSupport.Songs), RecordFraming.JsonDocuments, context.GetService<ISqlGenerationHelper>());

        Assert.Equal(
            "COPY staging_songs (num_songs, artist_id, artist_latitude, artist_longitude, artist_location, artist_name, song_id, title, duration, year) FROM STDIN (FORMAT BINARY)",
            copy.CopySql);
    }

    [Fact]
    public void The_binary_COPY_stream_opens_with_the_PGCOPY_header_and_ends_with_the_trailer()
    {
        using var buffer = new PgBinaryCopyBuffer();
        buffer.WriteHeader();
        buffer.BeginRow(3);
        buffer.WriteNull();
        buffer.WriteInt64(-2);
        buffer.WriteBytes("é"u8);
        buffer.WriteTrailer();

        byte[] expected =
        [
            (byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0,
            0, 0, 0, 0, 0, 0, 0, 0,
            0, 3,
            0xFF, 0xFF, 0xFF, 0xFF,
            0, 0, 0, 8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE,
            0, 0, 0, 2, 0xC3, 0xA9,
            0xFF, 0xFF,
        ];
        Assert.Equal(expected, buffer.WrittenSpan.ToArray());
    }
}
