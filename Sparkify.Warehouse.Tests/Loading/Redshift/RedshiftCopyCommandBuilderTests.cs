using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Loading.Redshift;
using Sparkify.Warehouse.Loading.Sources;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Loading.Redshift;

[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class RedshiftCopyCommandBuilderTests
{
    private const string SongsCopy = """
        COPY staging_songs (num_songs, artist_id, artist_latitude, artist_longitude, artist_location, artist_name, song_id, title, duration, year)
        FROM 's3://udacity-dend/song_data'
        IAM_ROLE 'arn:aws:iam::123456789012:role/dwhRole'
        FORMAT AS JSON 'auto'
        TRIMBLANKS
        REGION 'us-west-2'
        MAXERROR 0
        COMPUPDATE OFF
        STATUPDATE ON
        """;

    private const string EventsCopy = """
        COPY staging_events (artist, auth, first_name, gender, item_in_session, last_name, length, level, location, method, page, registration, session_id, song, status, ts, user_agent, user_id)
        FROM 's3://udacity-dend/log_data'
        IAM_ROLE 'arn:aws:iam::123456789012:role/dwhRole'
        FORMAT AS JSON 's3://udacity-dend/log_json_path.json'
        TRIMBLANKS
        REGION 'us-west-2'
        MAXERROR 0
        COMPUPDATE OFF
        STATUPDATE ON
        """;

    private const string CaptureErrors = """
        INSERT INTO load_errors (run_id, source, line_number, column_name, reason, raw_line)
        SELECT @run_id, TRIM(filename), line_number, NULLIF(TRIM(colname), ''), TRIM(err_reason), TRIM(raw_line)
        FROM stl_load_errors
        WHERE session = @session AND starttime >= @since
        """;

    // Serverless has no STL views; its SYS view keeps no copy of the rejected record.
    private const string ServerlessCaptureErrors = """
        INSERT INTO load_errors (run_id, source, line_number, column_name, reason, raw_line)
        SELECT @run_id, TRIM(file_name), line_number, NULLIF(TRIM(column_name), ''), TRIM(error_message), NULL
        FROM sys_load_error_detail
        WHERE session_id = @session AND start_time >= @since
        """;

    private static readonly RedshiftCopyRequest Udacity = new()
    {
        RunId = Guid.Parse("3f2504e0-4f89-11d3-9a0c-0305e82c3301"),
        SongsSource = "s3://udacity-dend/song_data",
        EventsSource = "s3://udacity-dend/log_data",
        JsonPathsSource = "s3://udacity-dend/log_json_path.json",
        IamRole = "arn:aws:iam::123456789012:role/dwhRole",
        Region = "us-west-2",
    };

    /// <summary>Each hostile or malformed value, and the setting its error must name.</summary>
    private static readonly Dictionary<string, (Func<RedshiftCopyRequest, RedshiftCopyRequest> Change, string Setting)> HostileCases = new()
    {
        ["songs source: quote"] = (r => r with { SongsSource = "s3://udacity-dend/song_data'; DROP TABLE users; --" }, "Songs source"),
        ["songs source: semicolon"] = (r => r with { SongsSource = "s3://udacity-dend/song_data;DROP TABLE users" }, "Songs source"),
        ["songs source: newline"] = (r => r with { SongsSource = "s3://udacity-dend/song_data\nDROP TABLE users" }, "Songs source"),
        ["songs source: comment"] = (r => r with { SongsSource = "s3://udacity-dend/song_data--" }, "Songs source"),
        ["songs source: bad bucket"] = (r => r with { SongsSource = "s3://Udacity_Dend/song_data" }, "Songs source"),
        ["events source: https scheme"] = (r => r with { EventsSource = "https://udacity-dend.s3.amazonaws.com/log_data" }, "Events source"),
        ["events source: local path"] = (r => r with { EventsSource = "/etc/passwd" }, "Events source"),
        ["events source: backslash"] = (r => r with { EventsSource = "s3://udacity-dend/log\\data" }, "Events source"),
        ["jsonpaths: quote"] = (r => r with { JsonPathsSource = "s3://udacity-dend/log_json_path.json' --" }, "JSONPaths"),
        ["jsonpaths: local file"] = (r => r with { JsonPathsSource = "../shared/data/sparkify-sample/log_json_path.json" }, "JSONPaths"),
        ["jsonpaths: missing"] = (r => r with { JsonPathsSource = null }, "JSONPaths"),
        ["jsonpaths: a folder"] = (r => r with { JsonPathsSource = "s3://udacity-dend/" }, "JSONPaths"),
        ["iam role: quote"] = (r => r with { IamRole = "arn:aws:iam::123456789012:role/dwhRole' CREDENTIALS 'aws_access_key_id=x" }, "IAM role"),
        ["iam role: semicolon"] = (r => r with { IamRole = "arn:aws:iam::123456789012:role/dwhRole;" }, "IAM role"),
        ["iam role: newline"] = (r => r with { IamRole = "arn:aws:iam::123456789012:role/dwhRole\n" }, "IAM role"),
        ["iam role: comment"] = (r => r with { IamRole = "arn:aws:iam::123456789012:role/dwh--Role" }, "IAM role"),
        ["iam role: short account"] = (r => r with { IamRole = "arn:aws:iam::12345:role/dwhRole" }, "IAM role"),
        ["iam role: a user"] = (r => r with { IamRole = "arn:aws:iam::123456789012:user/dwhUser" }, "IAM role"),
        ["iam role: empty"] = (r => r with { IamRole = "" }, "IAM role"),
        ["region: quote"] = (r => r with { Region = "us-west-2'; DROP TABLE users; --" }, "Region"),
        ["region: semicolon"] = (r => r with { Region = "us-west-2;" }, "Region"),
        ["region: newline"] = (r => r with { Region = "us-west-2\n" }, "Region"),
        ["region: comment"] = (r => r with { Region = "us-west--2" }, "Region"),
        ["region: upper case"] = (r => r with { Region = "US-WEST-2" }, "Region"),
        ["max errors: negative"] = (r => r with { MaxErrors = -1 }, "Max errors"),
        ["max errors: over Redshift's limit"] = (r => r with { MaxErrors = 100_001 }, "Max errors"),
        ["run id: empty"] = (r => r with { RunId = Guid.Empty }, "run id"),
    };

    public static TheoryData<string> HostileCaseNames => [.. HostileCases.Keys];

    [Fact]
    public void Build_UdacityConfiguration_MatchesTheBaselines()
    {
        var commands = RedshiftCopyCommandBuilder.Build(Udacity);

        Assert.Collection(
            commands,
            songs =>
            {
                Assert.Equal(("staging_songs", "s3://udacity-dend/song_data"), (songs.Table, songs.Source));
                Assert.Equal(SongsCopy, songs.CopySql);
                Assert.Equal(SongsCopy.Replace("STATUPDATE ON", "STATUPDATE OFF", StringComparison.Ordinal), songs.NonOwnerCopySql);
            },
            events =>
            {
                Assert.Equal(("staging_events", "s3://udacity-dend/log_data"), (events.Table, events.Source));
                Assert.Equal(EventsCopy, events.CopySql);
                Assert.Equal(EventsCopy.Replace("STATUPDATE ON", "STATUPDATE OFF", StringComparison.Ordinal), events.NonOwnerCopySql);
            });
        Assert.Equal(CaptureErrors, RedshiftCopyCommandBuilder.CaptureErrorsSql(serverless: false));
        Assert.Equal(ServerlessCaptureErrors, RedshiftCopyCommandBuilder.CaptureErrorsSql(serverless: true));
        Assert.DoesNotContain("stl_", ServerlessCaptureErrors, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Build_UdacityConfiguration_ParsesAsRedshiftSql()
    {
        var commands = RedshiftCopyCommandBuilder.Build(Udacity);

        // The capture is sent with bind parameters; sqlfluff reads it with literals in their place.
        var values = new Dictionary<string, object?> { ["run_id"] = Udacity.RunId.ToString(), ["session"] = 1073, ["since"] = new DateTime(2026, 12, 6, 4, 0, 0) };
        await Sqlfluff.AssertParsesAsync(
            string.Join(";\n", commands.SelectMany(c => new[] { c.CopySql, c.NonOwnerCopySql })
                .Concat(new[] { false, true }.Select(serverless => LoadRunLog.Preview(RedshiftCopyCommandBuilder.CaptureErrorsSql(serverless), values)))) + ";\n",
            statements: 6);
    }

    [Fact]
    public async Task Build_GzipDefaultRoleAndMaxErrors_AddsTheOptionsAndStillParses()
    {
        var commands = RedshiftCopyCommandBuilder.Build(Udacity with { IamRole = "DEFAULT", SongsGzip = true, MaxErrors = 100_000 });

        Assert.Equal(
            """
            COPY staging_songs (num_songs, artist_id, artist_latitude, artist_longitude, artist_location, artist_name, song_id, title, duration, year)
            FROM 's3://udacity-dend/song_data'
            IAM_ROLE default
            FORMAT AS JSON 'auto'
            GZIP
            TRIMBLANKS
            REGION 'us-west-2'
            MAXERROR 100000
            COMPUPDATE OFF
            STATUPDATE ON
            """,
            commands[0].CopySql);
        Assert.DoesNotContain("GZIP", commands[1].CopySql, StringComparison.Ordinal);
        await Sqlfluff.AssertParsesAsync(commands[0].CopySql);
    }

    [Fact]
    public void Build_OnlyOneSource_BuildsOnlyItsCopy()
    {
        var songsOnly = RedshiftCopyCommandBuilder.Build(Udacity with { EventsSource = null, JsonPathsSource = null });
        var logsOnly = RedshiftCopyCommandBuilder.Build(Udacity with { SongsSource = null });

        Assert.Equal(["staging_songs"], songsOnly.Select(c => c.Table));
        Assert.Equal(["staging_events"], logsOnly.Select(c => c.Table));
        Assert.Throws<WarehouseException>(() => RedshiftCopyCommandBuilder.Build(Udacity with { SongsSource = null, EventsSource = null }));
    }

    [Fact]
    public void Build_BucketWithoutPrefix_CopiesTheWholeBucketWithACanonicalUri()
    {
        var commands = RedshiftCopyCommandBuilder.Build(Udacity with { SongsSource = "S3://udacity-dend", EventsSource = null });

        Assert.Contains("FROM 's3://udacity-dend/'\n", commands[0].CopySql, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(HostileCaseNames))]
    public void Build_HostileOrMalformedValue_IsRefusedNamingTheSetting(string caseName)
    {
        var (change, setting) = HostileCases[caseName];

        var error = Assert.Throws<WarehouseException>(() => RedshiftCopyCommandBuilder.Build(change(Udacity)));

        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain("IAM_ROLE ", error.Message, StringComparison.Ordinal); // no statement text leaks into the message
    }

    [Fact]
    public void Build_LocalJsonPaths_ExplainsThatRedshiftReadsItFromS3()
    {
        var error = Assert.Throws<WarehouseException>(() => RedshiftCopyCommandBuilder.Build(Udacity with { JsonPathsSource = TestEnvironment.SampleJsonPaths }));

        Assert.Contains("Redshift COPY reads the JSONPaths file from S3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_HugeHostileValue_IsNotEchoedWhole()
    {
        var huge = "s3://udacity-dend/" + new string('a', 5000) + "';DROP TABLE users;--";

        var error = Assert.Throws<WarehouseException>(() => RedshiftCopyCommandBuilder.Build(Udacity with { SongsSource = huge }));

        Assert.True(error.Message.Length < 300, error.Message);
    }

    [Fact]
    public void ColumnLists_MatchTheStagingTablesOfTheModelInOrder()
    {
        using var context = new WarehouseDbContext(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse("Host=unused", WarehouseProvider.Redshift).Options);
        var model = context.GetService<IDesignTimeModel>().Model;

        Assert.Equal(Columns(model, typeof(StagingSong)), RedshiftCopyCommandBuilder.StagingSongColumns);
        Assert.Equal(Columns(model, typeof(StagingEvent)), RedshiftCopyCommandBuilder.StagingEventColumns);
    }

    [Fact]
    public async Task EventColumns_MatchTheJsonPathsFileOfTheSample()
    {
        // The JSONPaths file maps by position: the n-th path fills the n-th listed column.
        var paths = System.Text.Json.JsonDocument.Parse(await File.ReadAllBytesAsync(TestEnvironment.SampleJsonPaths))
            .RootElement.GetProperty("jsonpaths").EnumerateArray().Select(p => p.GetString()!).ToList();

        Assert.Equal(
            paths.Select(p => System.Text.RegularExpressions.Regex.Replace(p[3..^2], "(?<=[a-z])([A-Z])", "_$1").ToLowerInvariant()),
            RedshiftCopyCommandBuilder.StagingEventColumns);
    }

    [Fact]
    public void IsGzip_TellsPlainFromCompressedAndRefusesAMix()
    {
        var plain = new SourceFile[] { Local("a.json"), Local("b.json") };
        var compressed = new SourceFile[] { Local("a.json.gz"), Local("b.JSON.GZ") };

        Assert.False(RedshiftCopyCommandBuilder.IsGzip(plain, "s3://b/p"));
        Assert.True(RedshiftCopyCommandBuilder.IsGzip(compressed, "s3://b/p"));
        var error = Assert.Throws<WarehouseException>(() => RedshiftCopyCommandBuilder.IsGzip([.. plain, .. compressed], "s3://b/p"));
        Assert.Contains("mixes gzip-compressed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sqlfluff_RejectsBrokenSqlAndCountsInjectedStatements()
    {
        var broken = await Sqlfluff.ParseAsync("COPY staging_songs FROM 's3://b/p' IAM_ROLE 'x' GARBAGE WORDS 'y'");
        var injected = await Sqlfluff.ParseAsync("COPY staging_songs FROM 's3://b/p' IAM_ROLE 'x' FORMAT AS JSON 'auto'; DROP TABLE users;");

        Assert.False(broken.Success);
        Assert.Contains("GARBAGE", broken.Problems, StringComparison.Ordinal);
        Assert.True(injected.Success, injected.Problems);
        Assert.Equal(2, injected.StatementCount);
    }

    private static List<string> Columns(IModel model, Type entity)
    {
        var type = model.FindEntityType(entity)!;
        return [.. type.GetProperties().OrderBy(p => p.GetColumnOrder()).Select(p => p.GetColumnName())];
    }

    private static LocalSourceFile Local(string name) => new(Path.Combine(Path.GetTempPath(), name), length: 0, DateTime.UnixEpoch);
}
