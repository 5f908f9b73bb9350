using System.Globalization;
using System.Text;
using System.Text.Json;
using Sparkify.Warehouse.Tests.Queries;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Cli;

/// <summary>
/// <c>sparkify query</c> run in-process against the real sample: JSON keys and order exactly as
/// documented (README "sparkify query"), values equal to the hand-written SQL of <see cref="QueryOracle"/>, CSV per RFC 4180, the table
/// and chart, and exit code 2 with a helpful message for every kind of bad input.
/// </summary>
public sealed class QueryCommandTests(SampleWarehouseFixture sample) : IClassFixture<SampleWarehouseFixture>
{
    // The documented field names, typed out here rather than taken from the CLI's catalog.
    private static readonly Dictionary<string, string[]> SpecFields = new()
    {
        ["top-songs"] = ["song_id", "title", "artist_name", "plays"],
        ["top-artists"] = ["artist_id", "name", "plays"],
        ["top-locations"] = ["location", "plays"],
        ["plays-by-hour"] = ["hour", "plays"],
        ["plays-by-weekday"] = ["weekday", "plays"],
        ["level-comparison"] = ["level", "users", "plays", "plays_per_user"],
        ["daily-active-users"] = ["date", "users"],
        ["user-history"] = ["start_time", "session_id", "song_id", "title", "artist_name", "level"],
    };

    private const string InvalidConnection = "Host=invalid.invalid;Port=1;Timeout=1";

    public static TheoryData<string, string, int?, int?> JsonCases => new()
    {
        { "top-songs", "none", null, null },
        { "top-songs", "paid", 3, null },
        { "top-artists", "none", null, null },
        { "top-artists", "window", 1, null },
        { "top-locations", "none", null, null },
        { "top-locations", "free", 3, null },
        { "top-locations", "window-paid", 25, null },
        { "plays-by-hour", "none", null, null },
        { "plays-by-hour", "to-only-free", null, null },
        { "plays-by-weekday", "window", null, null },
        { "level-comparison", "none", null, null },
        { "level-comparison", "from-only", null, null },
        { "daily-active-users", "none", null, null },
        { "daily-active-users", "window-paid", null, null },
        { "user-history", "none", null, 15 },
        { "user-history", "window", null, 49 },
        { "user-history", "none", null, 999999 },
    };

    [Theory]
    [MemberData(nameof(JsonCases))]
    public async Task Json_has_the_spec_keys_in_order_and_the_expected_values(string query, string filterName, int? limit, int? userId)
    {
        var filter = QueryFilter.All[filterName];
        var result = await RunAsync([query, "--format", "json", .. Arguments(filter, limit, userId)]);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal(JsonValueKind.Array, json.RootElement.ValueKind);
        var expected = await ExpectedAsync(query, filter, limit, userId);
        Assert.Equal(expected.Count, json.RootElement.GetArrayLength());
        var i = 0;
        foreach (var row in json.RootElement.EnumerateArray())
        {
            Assert.Equal(SpecFields[query], row.EnumerateObject().Select(p => p.Name));
            var values = row.EnumerateObject().Select(p => p.Value).ToList();
            for (var f = 0; f < values.Count; f++)
            {
                AssertJsonValue(expected[i][f], values[f], $"{query} row {i} field {SpecFields[query][f]}");
            }

            i++;
        }
    }

    [Fact]
    public async Task Json_writes_timestamps_as_utc_iso_8601_with_milliseconds_and_numbers_as_numbers()
    {
        var history = await RunAsync(["user-history", "--user-id", "15", "--format", "json", "--to", "2018-11-03"]);
        var levels = await RunAsync(["level-comparison", "--format", "json"]);
        var days = await RunAsync(["daily-active-users", "--format", "json", "--to", "2018-11-02"]);

        using var historyJson = JsonDocument.Parse(history.Out);
        var first = historyJson.RootElement[0];
        Assert.Equal("2018-11-02T09:01:21.796Z", first.GetProperty("start_time").GetString());
        Assert.Equal(JsonValueKind.Number, first.GetProperty("session_id").ValueKind);
        Assert.Equal(JsonValueKind.Null, first.GetProperty("title").ValueKind);
        Assert.All(historyJson.RootElement.EnumerateArray(), r => Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", r.GetProperty("start_time").GetString()));
        using var levelsJson = JsonDocument.Parse(levels.Out);
        Assert.Equal(14.99m, levelsJson.RootElement[0].GetProperty("plays_per_user").GetDecimal());
        Assert.Equal(JsonValueKind.Number, levelsJson.RootElement[0].GetProperty("users").ValueKind);
        Assert.Contains("\"plays_per_user\": 254.14", levels.Out, StringComparison.Ordinal);
        using var daysJson = JsonDocument.Parse(days.Out);
        Assert.Equal("2018-11-01", Assert.Single(daysJson.RootElement.EnumerateArray()).GetProperty("date").GetString());
    }

    [Fact]
    public async Task Empty_results_are_an_empty_json_array_and_a_csv_header()
    {
        var json = await RunAsync(["user-history", "--user-id", "999999", "--format", "json"]);
        var csv = await RunAsync(["top-songs", "--from", "2030-01-01", "--format", "csv"]);

        Assert.Equal("[]", json.Out.Trim());
        Assert.Equal("song_id,title,artist_name,plays\r\n", csv.Out);
    }

    [Theory]
    [InlineData("top-locations", "none", 5, null)]
    [InlineData("level-comparison", "none", null, null)]
    [InlineData("user-history", "window", null, 49)]
    [InlineData("plays-by-weekday", "paid", null, null)]
    [InlineData("daily-active-users", "window", null, null)]
    public async Task Csv_has_a_spec_header_and_rfc_4180_rows(string query, string filterName, int? limit, int? userId)
    {
        var filter = QueryFilter.All[filterName];
        var result = await RunAsync([query, "--format", "csv", .. Arguments(filter, limit, userId)]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.EndsWith("\r\n", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", result.Out.Replace("\r\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        var records = ParseCsv(result.Out);
        Assert.Equal(SpecFields[query], records[0]);
        var expected = await ExpectedAsync(query, filter, limit, userId);
        Assert.Equal(expected.Select(row => row.Select(CsvText).ToArray()), records.Skip(1));
    }

    [Fact]
    public async Task Csv_quotes_fields_with_commas()
    {
        var result = await RunAsync(["top-locations", "--format", "csv", "--limit", "2"]);

        Assert.Equal(
            "location,plays\r\n\"San Francisco-Oakland-Hayward, CA\",691\r\n\"Portland-South Portland, ME\",665\r\n",
            result.Out);
    }

    [Fact]
    public async Task Table_shows_the_spec_headers_and_every_row()
    {
        var result = await RunAsync(["level-comparison"]);
        var history = await RunAsync(["user-history", "--user-id", "15", "--from", "2018-11-02T09:00:00Z", "--to", "2018-11-02T09:10:00Z"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"│ level\s+│\s+users │\s+plays │ plays_per_user │", result.Out);
        Assert.Matches(@"│ free\s+│\s+82 │\s+1229 │\s+14\.99 │", result.Out);
        Assert.Matches(@"│ paid\s+│\s+22 │\s+5591 │\s+254\.14 │", result.Out);
        Assert.Contains("2 rows", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", result.Out, StringComparison.Ordinal);
        Assert.Matches(@"│ start_time\s+│ session_id │ song_id │ title │ artist_name │ level │", history.Out);
        Assert.Contains("│ 2018-11-02T09:01:21.796Z │", history.Out, StringComparison.Ordinal);
        Assert.Contains("3 rows", history.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plays-by-hour", 24)]
    [InlineData("plays-by-weekday", 7)]
    [InlineData("top-locations", 10)]
    [InlineData("top-songs", 1)]
    [InlineData("top-artists", 1)]
    public async Task Chart_draws_one_bar_per_row(string query, int bars)
    {
        var result = await RunAsync([query, "--chart"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(bars, result.Out.Split('\n').Count(line => line.Contains('█', StringComparison.Ordinal)));
        if (query == "plays-by-hour")
        {
            var hours = await QueryOracle.PlaysByHourAsync(sample.ConnectionString, QueryFilter.All["none"]);
            Assert.All(hours, h => Assert.Matches($@"(?m)^{h.Hour:00}h\s+█+ {h.Plays}\s*$", result.Out));
        }
    }

    [Theory]
    [InlineData(new[] { "query" }, "Name a query: top-songs, top-artists, top-locations, plays-by-hour, plays-by-weekday, level-comparison, daily-active-users, user-history.")]
    [InlineData(new[] { "query", "top-tracks" }, "Unknown query 'top-tracks'. Accepted: top-songs, top-artists, top-locations, plays-by-hour, plays-by-weekday, level-comparison, daily-active-users, user-history.")]
    [InlineData(new[] { "query", "top-songs", "--from", "2018-13-01" }, "--from '2018-13-01' is not a date or time. Use YYYY-MM-DD or an ISO-8601 time such as 2018-11-01T21:00:00Z")]
    [InlineData(new[] { "query", "top-songs", "--to", "01/11/2018" }, "--to '01/11/2018' is not a date or time.")]
    [InlineData(new[] { "query", "top-songs", "--from", "2018-11-20", "--to", "2018-11-10" }, "--from (2018-11-20T00:00:00.000Z) must be before --to (2018-11-10T00:00:00.000Z)")]
    [InlineData(new[] { "query", "top-songs", "--level", "premium" }, "Unknown level 'premium'. Accepted: free, paid.")]
    [InlineData(new[] { "query", "top-songs", "--limit", "0" }, "--limit '0' is not a whole number from 1 to 2147483647.")]
    [InlineData(new[] { "query", "top-songs", "--limit", "ten" }, "--limit 'ten' is not a whole number")]
    [InlineData(new[] { "query", "plays-by-hour", "--limit", "5" }, "--limit applies only to top-songs, top-artists, top-locations.")]
    [InlineData(new[] { "query", "user-history" }, "user-history needs --user-id N, e.g. sparkify query user-history --user-id 15.")]
    [InlineData(new[] { "query", "user-history", "--user-id", "abc" }, "--user-id 'abc' is not a whole number")]
    [InlineData(new[] { "query", "top-songs", "--user-id", "15" }, "--user-id applies only to user-history.")]
    [InlineData(new[] { "query", "top-songs", "--format", "xml" }, "Unknown format 'xml'. Accepted: table, csv, json.")]
    [InlineData(new[] { "query", "level-comparison", "--chart" }, "--chart is not available for level-comparison; it is for top-songs, top-artists, top-locations, plays-by-hour, plays-by-weekday.")]
    [InlineData(new[] { "query", "plays-by-hour", "--chart", "--format", "json" }, "--chart draws in the terminal")]
    [InlineData(new[] { "query", "top-songs", "--provider", "mysql" }, "Unknown provider 'mysql'. Accepted: postgres, redshift.")]
    [InlineData(new[] { "query", "top-songs", "--top", "3" }, "--top")]
    public async Task Bad_input_exits_with_code_2_and_says_what_is_accepted(string[] args, string message)
    {
        // The connection is unreachable on purpose: bad input must be rejected before connecting.
        var result = await CliRunner.RunAsync([.. args, "--connection", InvalidConnection]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.Equal("", result.Out);
    }

    [Fact]
    public async Task An_unreachable_database_is_a_failure_not_a_usage_error()
    {
        var result = await CliRunner.RunAsync(["query", "top-songs", "--connection", InvalidConnection]);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("error: ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Names_levels_and_formats_are_case_insensitive_and_a_time_offset_is_converted_to_utc()
    {
        var upper = await RunAsync(["TOP-LOCATIONS", "--level", "PAID", "--format", "JSON", "--from", "2018-11-28T02:00:00+02:00"]);
        var utc = await RunAsync(["top-locations", "--level", "paid", "--format", "json", "--from", "2018-11-28T00:00:00Z"]);

        Assert.True(upper.ExitCode == 0, upper.ToString());
        Assert.Equal(utc.Out, upper.Out);
    }

    private Task<CliResult> RunAsync(string[] args) => CliRunner.RunAsync(["query", .. args, "--connection", sample.ConnectionString]);

    private static string[] Arguments(QueryFilter filter, int? limit, int? userId)
    {
        var args = new List<string>();
        if (filter.From is { } from)
        {
            args.AddRange(["--from", from.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)]);
        }

        if (filter.To is { } to)
        {
            args.AddRange(["--to", to.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)]);
        }

        if (filter.Level is { } level)
        {
            args.AddRange(["--level", level]);
        }

        if (limit is { } l)
        {
            args.AddRange(["--limit", l.ToString(CultureInfo.InvariantCulture)]);
        }

        if (userId is { } u)
        {
            args.AddRange(["--user-id", u.ToString(CultureInfo.InvariantCulture)]);
        }

        return [.. args];
    }

    /// <summary>The oracle's rows as values in the documented field order.</summary>
    private async Task<List<object?[]>> ExpectedAsync(string query, QueryFilter filter, int? limit, int? userId)
    {
        var cs = sample.ConnectionString;
        var n = limit ?? 10;
        return query switch
        {
            "top-songs" => [.. (await QueryOracle.TopSongsAsync(cs, filter, n)).Select(r => new object?[] { r.SongId, r.Title, r.ArtistName, r.Plays })],
            "top-artists" => [.. (await QueryOracle.TopArtistsAsync(cs, filter, n)).Select(r => new object?[] { r.ArtistId, r.Name, r.Plays })],
            "top-locations" => [.. (await QueryOracle.TopLocationsAsync(cs, filter, n)).Select(r => new object?[] { r.Location, r.Plays })],
            "plays-by-hour" => [.. (await QueryOracle.PlaysByHourAsync(cs, filter)).Select(r => new object?[] { r.Hour, r.Plays })],
            "plays-by-weekday" => [.. (await QueryOracle.PlaysByWeekdayAsync(cs, filter)).Select(r => new object?[] { r.Weekday, r.Plays })],
            "level-comparison" => [.. (await QueryOracle.LevelComparisonAsync(cs, filter)).Select(r => new object?[] { r.Level, r.Users, r.Plays, r.PlaysPerUser })],
            "daily-active-users" => [.. (await QueryOracle.DailyActiveUsersAsync(cs, filter)).Select(r => new object?[] { r.Date, r.Users })],
            "user-history" => [.. (await QueryOracle.UserHistoryAsync(cs, filter, userId!.Value)).Select(r => new object?[] { r.StartTime, r.SessionId, r.SongId, r.Title, r.ArtistName, r.Level })],
            _ => throw new ArgumentException(query),
        };
    }

    private static void AssertJsonValue(object? expected, JsonElement actual, string where)
    {
        switch (expected)
        {
            case null:
                Assert.True(actual.ValueKind == JsonValueKind.Null, $"{where}: expected null, got {actual}");
                break;
            case string s:
                Assert.True(actual.ValueKind == JsonValueKind.String && actual.GetString() == s, $"{where}: expected \"{s}\", got {actual}");
                break;
            case int or long or decimal:
                Assert.True(actual.ValueKind == JsonValueKind.Number && actual.GetDecimal() == Convert.ToDecimal(expected, CultureInfo.InvariantCulture), $"{where}: expected {expected}, got {actual}");
                break;
            default:
                Assert.True(actual.ValueKind == JsonValueKind.String && actual.GetString() == CsvText(expected), $"{where}: expected {CsvText(expected)}, got {actual}");
                break;
        }
    }

    /// <summary>A value as the spec writes it in text: ISO timestamps with milliseconds and a Z, ISO dates, invariant numbers.</summary>
    private static string CsvText(object? value) => value switch
    {
        null => "",
        DateTime t => t.ToString("yyyy-MM-ddTHH:mm:ss.fff", CultureInfo.InvariantCulture) + "Z",
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };

    /// <summary>An RFC 4180 reader: quoted fields may hold commas, doubled quotes and line breaks.</summary>
    private static List<string[]> ParseCsv(string text)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                Assert.True(field.Length == 0, "a quote inside an unquoted field");
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                fields.Add(field.ToString());
                field.Clear();
                records.Add([.. fields]);
                fields.Clear();
                i++;
            }
            else
            {
                field.Append(c);
            }
        }

        Assert.False(quoted, "unterminated quoted field");
        Assert.True(field.Length == 0 && fields.Count == 0, "the last record does not end with CRLF");
        return records;
    }
}
