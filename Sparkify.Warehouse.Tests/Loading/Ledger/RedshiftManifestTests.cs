using System.Text.Json;
using GetObjectRequest = Amazon.S3.Model.GetObjectRequest;
using Sparkify.Warehouse.Infrastructure.Internal;
using Sparkify.Warehouse.Loading.Redshift;
using Sparkify.Warehouse.Loading.Sources;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Loading.Ledger;

/// <summary>
/// The Redshift manifest: its JSON, read back with an independent parse, for files listed from a real
/// S3-compatible server (s3rver), and its upload to a manifest prefix there.
/// </summary>
public sealed class RedshiftManifestTests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    private const string DataBucket = "manifest-data";
    private const string ManifestBucket = "manifest-out";

    [Fact]
    public async Task The_manifest_lists_exactly_the_given_files_with_their_sizes_and_uploads_under_the_run_id()
    {
        var november = Path.Combine(TestEnvironment.SampleLogs, "2018", "11");
        await s3.UploadFolderAsync(DataBucket, "log_data/2018/11", november);
        await s3.CreateBucketAsync(ManifestBucket);
        using var resolver = new SourceResolver(s3.Settings());
        var listed = new List<SourceFile>();
        await foreach (var file in resolver.ListAsync($"s3://{DataBucket}/log_data/", CancellationToken.None))
        {
            listed.Add(file);
        }

        // A load that reads only days 3 and 17: exactly those, in the order given.
        var chosen = listed.Where(f => f.Name.EndsWith("-17-events.json", StringComparison.Ordinal) || f.Name.EndsWith("-03-events.json", StringComparison.Ordinal)).Reverse().ToList();
        var manifest = RedshiftManifest.Write(chosen);

        var runId = Guid.NewGuid();
        var location = RedshiftManifest.LocationFor(S3Location.Parse($"s3://{ManifestBucket}/manifests/daily"), runId, "staging_events");
        Assert.Equal($"s3://{ManifestBucket}/manifests/daily/sparkify-{runId:D}-staging_events.manifest", location.Uri);
        var uri = await RedshiftManifest.UploadAsync(resolver, s3.Settings(), location, manifest, CancellationToken.None);
        Assert.Equal(location.Uri, uri);

        using var stored = await s3.Client.GetObjectAsync(new GetObjectRequest { BucketName = ManifestBucket, Key = location.Key });
        using var json = await JsonDocument.ParseAsync(stored.ResponseStream);
        var entries = json.RootElement.GetProperty("entries").EnumerateArray().ToList();
        Assert.Single(json.RootElement.EnumerateObject());

        // Expected from the local files themselves: the URI each was uploaded to and its byte count.
        string[] days = ["17", "03"];
        Assert.Equal(days.Length, entries.Count);
        for (var i = 0; i < days.Length; i++)
        {
            var local = Path.Combine(november, $"2018-11-{days[i]}-events.json");
            Assert.Equal($"s3://{DataBucket}/log_data/2018/11/2018-11-{days[i]}-events.json", entries[i].GetProperty("url").GetString());
            Assert.True(entries[i].GetProperty("mandatory").GetBoolean());
            Assert.Equal(new FileInfo(local).Length, entries[i].GetProperty("meta").GetProperty("content_length").GetInt64());
            Assert.Equal(3, entries[i].EnumerateObject().Count());
        }
    }

    [Theory]
    [InlineData("s3://bucket", "s3://bucket/sparkify-")]
    [InlineData("s3://bucket/", "s3://bucket/sparkify-")]
    [InlineData("s3://bucket/a/b", "s3://bucket/a/b/sparkify-")]
    [InlineData("s3://bucket/a/b/", "s3://bucket/a/b/sparkify-")]
    public void The_manifest_goes_into_the_prefix_as_a_folder_and_is_not_a_json_file(string prefix, string expectedStart)
    {
        var runId = Guid.NewGuid();
        var location = RedshiftManifest.LocationFor(S3Location.Parse(prefix), runId, "staging_songs");
        Assert.Equal($"{expectedStart}{runId:D}-staging_songs.manifest", location.Uri);
        Assert.False(SourceFile.IsJsonName(location.Key));
    }

    [Fact]
    public async Task Uploading_to_a_missing_bucket_fails_with_a_message_naming_the_manifest()
    {
        using var resolver = new SourceResolver(s3.Settings());
        var location = RedshiftManifest.LocationFor(S3Location.Parse("s3://no-such-manifest-bucket/m"), Guid.NewGuid(), "staging_events");
        var thrown = await Assert.ThrowsAsync<WarehouseException>(() => RedshiftManifest.UploadAsync(resolver, s3.Settings(), location, [1, 2], CancellationToken.None));
        Assert.StartsWith("Could not write the manifest: ", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("no-such-manifest-bucket", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_manifest_needs_s3_files_and_at_least_one()
    {
        Assert.Throws<ArgumentException>(() => RedshiftManifest.Write(Array.Empty<SourceFile>()));
        var local = LocalSources.List(Path.Combine(TestEnvironment.SampleLogs, "2018", "11", "2018-11-01-events.json"));
        Assert.Throws<ArgumentException>(() => RedshiftManifest.Write([.. local]));
    }

    [Theory]
    [InlineData("https://bucket/prefix")]
    [InlineData("s3://")]
    [InlineData("s3://Bad_Bucket/prefix")]
    [InlineData("s3://bucket/it's")]
    public void The_manifest_prefix_setting_must_be_an_s3_bucket_or_prefix(string value)
    {
        var options = new WarehouseOptions();
        options.Redshift.ManifestPrefix = value;
        var failure = Assert.Single(new WarehouseOptionsValidator(WarehouseSettingNames.Configuration, connectionRequired: false).Validate(null, options).Failures ?? []);
        Assert.Contains("Sparkify:Redshift:ManifestPrefix", failure, StringComparison.Ordinal);
        Assert.EndsWith("It must be s3://bucket or s3://bucket/prefix.", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_refuses_a_manifest_prefix_option_that_is_not_s3_before_doing_anything()
    {
        var result = await CliRunner.RunAsync(
            "load", "--dry-run", "--provider", "redshift", "--iam-role", "arn:aws:iam::123456789012:role/dwhRole",
            "--songs", "s3://udacity-dend/song_data", "--events", "s3://udacity-dend/log_data", "--manifest-prefix", "https://bucket/manifests");
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("error: Sparkify:Redshift:ManifestPrefix 'https://bucket/manifests' is not a valid S3 URI", result.Error, StringComparison.Ordinal);
        Assert.Equal("", result.Out);
    }

    [Theory]
    [InlineData("s3://bucket")]
    [InlineData("s3://bucket/manifests/sparkify")]
    [InlineData("")]
    public void A_bucket_a_prefix_or_nothing_is_a_valid_manifest_prefix(string value)
    {
        var options = new WarehouseOptions();
        options.Redshift.ManifestPrefix = value;
        Assert.True(new WarehouseOptionsValidator(WarehouseSettingNames.Configuration, connectionRequired: false).Validate(null, options).Succeeded);
    }
}
