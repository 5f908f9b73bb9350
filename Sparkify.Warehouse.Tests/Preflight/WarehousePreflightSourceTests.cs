using System.Text;
using Sparkify.Warehouse.Preflight;
using Sparkify.Warehouse.Tests.TestUtilities;
using static Sparkify.Warehouse.Tests.Preflight.PreflightTestSupport;

namespace Sparkify.Warehouse.Tests.Preflight;

/// <summary>
/// The source, JSONPaths and IAM role checks of <see cref="WarehousePreflight"/>: local folders (the
/// sample, empty, holding a .csv), prefixes of a real s3rver holding the sample, JSONPaths files broken
/// in different ways, and IAM role ARNs. No warehouse is configured, so the database checks fail and
/// these run on their own, as they do for a user without a connection yet.
/// </summary>
public sealed class WarehousePreflightSourceTests(SparkifySampleInS3 s3) : IClassFixture<SparkifySampleInS3>
{
    private const string Bucket = SparkifySampleInS3.Bucket;
    private const string Arn = "arn:aws:iam::123456789012:role/dwhRole";

    [Fact]
    public async Task Sample_prefixes_in_s3_list_as_many_files_and_bytes_as_the_raw_folders_and_gzip_is_reported()
    {
        var report = await RunAsync(Options(WarehouseProvider.Redshift), new PreflightRequest
        {
            SongsSource = $"s3://{Bucket}/song_data",
            EventsSource = $"s3://{Bucket}/{SparkifySampleInS3.GzipLogPrefix}",
            JsonPathsSource = $"s3://{Bucket}/log_json_path.json",
        });

        Assert.Equal(RawFilesAndBytes(TestEnvironment.SampleSongs) + ", plain JSON", report.AssertStatus("songs", PreflightStatus.Pass).Detail);
        var rawLogs = RawFilesAndBytes(TestEnvironment.SampleLogs);
        Assert.StartsWith(rawLogs.Split(',')[0] + ", ", report.AssertStatus("events", PreflightStatus.Pass).Detail, StringComparison.Ordinal);
        Assert.EndsWith(" bytes, all gzip", report.Check("events").Detail, StringComparison.Ordinal);
        Assert.NotEqual(rawLogs + ", all gzip", report.Check("events").Detail);
        report.AssertStatus("jsonpaths", PreflightStatus.Pass);
        Assert.Contains(Arn, report.AssertStatus("iam-role", PreflightStatus.Pass).Detail, StringComparison.Ordinal);
        // No connection string: that is a failure, and the report says so first.
        Assert.Equal("no connection string is configured", report.AssertStatus("connection", PreflightStatus.Fail).Detail);
        Assert.False(report.Passed);
    }

    [Fact]
    public async Task A_non_json_object_under_a_prefix_fails_on_redshift_and_is_reported_as_ignored_on_postgres()
    {
        await s3.Server.PutObjectAsync(Bucket, "mixed/2018-11-01-events.json", Encoding.UTF8.GetBytes("{\"page\":\"Home\"}\n"));
        await s3.Server.PutObjectAsync(Bucket, "mixed/notes.csv", Encoding.UTF8.GetBytes("a,b\n"));
        var request = new PreflightRequest { EventsSource = $"s3://{Bucket}/mixed" };

        var redshift = (await RunAsync(Options(WarehouseProvider.Redshift), request)).AssertStatus("events", PreflightStatus.Fail);
        var postgres = (await RunAsync(Options(WarehouseProvider.Postgres), request)).AssertStatus("events", PreflightStatus.Pass);

        Assert.Equal("1 file, 16 bytes, plain JSON; 1 other object under it (e.g. 'mixed/notes.csv'), which Redshift COPY would read too", redshift.Detail);
        Assert.Contains("move the other objects out of the prefix", redshift.Fix, StringComparison.Ordinal);
        Assert.Equal("1 file, 16 bytes, plain JSON; 1 other object under it (e.g. 'mixed/notes.csv'), which loads ignore", postgres.Detail);
    }

    [Fact]
    public async Task Redshift_fails_a_prefix_mixing_gzip_and_plain_files_a_local_source_and_an_empty_prefix()
    {
        await s3.Server.PutObjectAsync(Bucket, "mixgz/a.json", Encoding.UTF8.GetBytes("{}"));
        await s3.Server.PutObjectAsync(Bucket, "mixgz/b.json.gz", Gzip("{}"));

        var report = await RunAsync(Options(WarehouseProvider.Redshift), new PreflightRequest
        {
            SongsSource = $"s3://{Bucket}/mixgz/",
            EventsSource = TestEnvironment.SampleLogs,
        });
        var empty = await RunAsync(Options(WarehouseProvider.Redshift), new PreflightRequest { SongsSource = $"s3://{Bucket}/no_such_prefix/" });

        var mixed = report.AssertStatus("songs", PreflightStatus.Fail);
        Assert.StartsWith("2 files, ", mixed.Detail, StringComparison.Ordinal);
        Assert.EndsWith("1 gzip and 1 plain", mixed.Detail, StringComparison.Ordinal);
        Assert.Contains("separate prefixes", mixed.Fix, StringComparison.Ordinal);
        Assert.Contains("is not in S3; Redshift COPY reads S3 only", report.AssertStatus("events", PreflightStatus.Fail).Detail, StringComparison.Ordinal);
        // Events given without a JSONPaths file: Redshift cannot map the camelCase keys.
        Assert.Contains("--jsonpaths", report.AssertStatus("jsonpaths", PreflightStatus.Fail).Fix, StringComparison.Ordinal);
        Assert.Contains("has no *.json or *.json.gz files", empty.AssertStatus("songs", PreflightStatus.Fail).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Local_folders_an_empty_one_one_holding_only_a_csv_and_json_beside_a_csv_and_a_missing_path()
    {
        var root = Directory.CreateTempSubdirectory("sparkify-doctor-").FullName;
        try
        {
            var empty = Directory.CreateDirectory(Path.Combine(root, "empty")).FullName;
            var csvOnly = Directory.CreateDirectory(Path.Combine(root, "csv")).FullName;
            await File.WriteAllTextAsync(Path.Combine(csvOnly, "songs.csv"), "song_id,title\n");
            var beside = Directory.CreateDirectory(Path.Combine(root, "beside", "A")).FullName;
            await File.WriteAllTextAsync(Path.Combine(beside, "song.json"), "{\"song_id\":\"S1\"}");
            await File.WriteAllTextAsync(Path.Combine(beside, "readme.csv"), "x\n");
            var notJson = Directory.CreateDirectory(Path.Combine(root, "notjson")).FullName;
            await File.WriteAllTextAsync(Path.Combine(notJson, "song.json"), "song_id,title\n");

            async Task<PreflightCheck> SongsAsync(string source)
                => (await RunAsync(Options(WarehouseProvider.Postgres), new PreflightRequest { SongsSource = source })).Check("songs");

            var emptyCheck = await SongsAsync(empty);
            Assert.Equal(PreflightStatus.Fail, emptyCheck.Status);
            Assert.Contains("has no *.json or *.json.gz files", emptyCheck.Detail, StringComparison.Ordinal);
            Assert.Contains("holds the song data as *.json", emptyCheck.Fix, StringComparison.Ordinal);
            Assert.Equal(PreflightStatus.Fail, (await SongsAsync(csvOnly)).Status);
            var besideCheck = await SongsAsync(Path.Combine(root, "beside"));
            Assert.Equal(PreflightStatus.Pass, besideCheck.Status);
            Assert.Equal($"1 file, 16 bytes, plain JSON; 1 other file under it (e.g. '{Path.Combine(beside, "readme.csv")}'), which loads ignore", besideCheck.Detail);
            var notJsonCheck = await SongsAsync(notJson);
            Assert.Equal(PreflightStatus.Fail, notJsonCheck.Status);
            Assert.EndsWith("song.json, does not start with a JSON object", notJsonCheck.Detail, StringComparison.Ordinal);
            var missing = await SongsAsync(Path.Combine(root, "missing"));
            Assert.Equal(PreflightStatus.Fail, missing.Status);
            Assert.Contains("does not exist", missing.Detail, StringComparison.Ordinal);
            Assert.Contains("check the path", missing.Fix, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData("{\"jsonpaths\": [\"$['artist']\", ", "is not valid JSON")]
    [InlineData("{\"paths\": [\"$['artist']\"]}", "has no \"jsonpaths\" key")]
    [InlineData("{\"jsonpaths\": [\"$.artist\", \"$['auth']\"]}", "mixes bracket and dot notation")]
    [InlineData("{\"jsonpaths\": [\"$['artist'][*]\"]}", "wildcards")]
    public async Task A_broken_jsonpaths_file_fails_with_what_is_wrong_and_the_column_order(string content, string problem)
    {
        var file = await WriteTempAsync(content);
        try
        {
            var check = (await RunAsync(Options(WarehouseProvider.Postgres), new PreflightRequest { JsonPathsSource = file })).AssertStatus("jsonpaths", PreflightStatus.Fail);

            Assert.Contains(problem, check.Detail, StringComparison.Ordinal);
            Assert.EndsWith("in order: artist, auth, first_name, gender, item_in_session, last_name, length, level, location, method, page, registration, session_id, song, status, ts, user_agent, user_id", check.Fix, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_jsonpaths_file_with_too_few_paths_fails_and_one_that_remaps_a_column_passes_naming_it()
    {
        var standard = (await File.ReadAllLinesAsync(TestEnvironment.SampleJsonPaths)).Select(l => l.Trim().TrimEnd(',')).Where(l => l.StartsWith('"') && l.Contains("$[", StringComparison.Ordinal)).ToList();
        Assert.Equal(18, standard.Count);
        var seventeen = await WriteTempAsync("{\"jsonpaths\": [" + string.Join(", ", standard.Take(17)) + "]}");
        var remapped = await WriteTempAsync("{\"jsonpaths\": [" + string.Join(", ", standard.Select(p => p == "\"$['userId']\"" ? "\"$['user']['id']\"" : p)) + "]}");
        try
        {
            var tooFew = (await RunAsync(Options(WarehouseProvider.Postgres), new PreflightRequest { JsonPathsSource = seventeen })).AssertStatus("jsonpaths", PreflightStatus.Fail);
            var different = (await RunAsync(Options(WarehouseProvider.Postgres), new PreflightRequest { JsonPathsSource = remapped })).AssertStatus("jsonpaths", PreflightStatus.Pass);

            Assert.Equal("17 paths for the 18 staging_events columns; COPY maps them by position", tooFew.Detail);
            Assert.Equal("18 paths map the 18 staging_events columns; unlike the standard mapping: user_id ← $['user']['id']", different.Detail);
        }
        finally
        {
            File.Delete(seventeen);
            File.Delete(remapped);
        }
    }

    [Fact]
    public async Task On_redshift_a_local_jsonpaths_file_or_one_under_the_events_prefix_fails()
    {
        await s3.Server.PutObjectAsync(Bucket, "log_data/log_json_path.json", await File.ReadAllBytesAsync(TestEnvironment.SampleJsonPaths));
        try
        {
            var local = await RunAsync(Options(WarehouseProvider.Redshift), new PreflightRequest { EventsSource = $"s3://{Bucket}/log_data", JsonPathsSource = TestEnvironment.SampleJsonPaths });
            var underEvents = await RunAsync(Options(WarehouseProvider.Redshift), new PreflightRequest { EventsSource = $"s3://{Bucket}/log_data", JsonPathsSource = $"s3://{Bucket}/log_data/log_json_path.json" });

            Assert.Contains("is not in S3", local.AssertStatus("jsonpaths", PreflightStatus.Fail).Detail, StringComparison.Ordinal);
            Assert.Equal($"s3://{Bucket}/log_data/log_json_path.json lies under the events prefix s3://{Bucket}/log_data, so COPY would read it as an event log too",
                underEvents.AssertStatus("jsonpaths", PreflightStatus.Fail).Detail);
        }
        finally
        {
            await s3.Server.DeleteObjectAsync(Bucket, "log_data/log_json_path.json");
        }
    }

    [Theory]
    [InlineData("arn:aws:iam::123:role/dwhRole")]
    [InlineData("arn:aws:iam::123456789012:user/dwhRole")]
    [InlineData("AKIAIOSFODNN7EXAMPLE")]
    [InlineData("arn:aws:iam::123456789012:role/x'; DROP TABLE users; --")]
    public async Task A_malformed_iam_role_fails_without_being_echoed(string role)
    {
        var options = Options(WarehouseProvider.Redshift);
        options.IamRole = role;

        var report = await RunAsync(options);

        var check = report.AssertStatus("iam-role", PreflightStatus.Fail);
        Assert.Equal("the IAM role is not an ARN of the form arn:aws:iam::<12-digit account>:role/<name>", check.Detail);
        Assert.DoesNotContain(role, Describe(report), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_default_role_passes_on_redshift_and_no_role_is_needed_on_postgres()
    {
        var options = Options(WarehouseProvider.Redshift);
        options.IamRole = "default";

        Assert.StartsWith("'default'", (await RunAsync(options)).AssertStatus("iam-role", PreflightStatus.Pass).Detail, StringComparison.Ordinal);
        Assert.Null((await RunAsync(Options(WarehouseProvider.Postgres))).AssertStatus("iam-role", PreflightStatus.Skip).Fix);
    }

    private WarehouseOptions Options(WarehouseProvider provider)
        => new() { Provider = provider, IamRole = provider == WarehouseProvider.Redshift ? Arn : null, S3 = s3.Server.Settings() };

    private static async Task<string> WriteTempAsync(string content)
    {
        var path = Path.Combine(Path.GetTempPath(), $"sparkify-jsonpaths-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, content);
        return path;
    }

    private static byte[] Gzip(string content)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest))
        {
            gzip.Write(Encoding.UTF8.GetBytes(content));
        }

        return buffer.ToArray();
    }
}
