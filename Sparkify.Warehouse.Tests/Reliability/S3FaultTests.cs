using System.Net;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Tests.TestUtilities;
using static Sparkify.Warehouse.Tests.TestUtilities.StarTables;

namespace Sparkify.Warehouse.Tests.Reliability;

/// <summary>
/// Issue 6, item 2 (the S3 side): 5xx answers, a download cut off by a dying server, a missing bucket,
/// key or prefix, and a 403, against the real sample in s3rver (through <see cref="FaultyS3Proxy"/> for
/// the faults s3rver cannot produce). Transient failures are retried, first by the S3 SDK, then by the
/// loader as a new run; permanent ones fail at once with a message naming the object.
/// </summary>
public sealed class S3FaultTests(SparkifySampleInS3 s3) : IClassFixture<SparkifySampleInS3>
{
    private const string Songs = $"s3://{SparkifySampleInS3.Bucket}/song_data/";
    private const string Events = $"s3://{SparkifySampleInS3.Bucket}/log_data/";
    private const string FirstLog = "log_data/2018/11/2018-11-01-events.json";

    [Fact]
    public async Task S3_5xx_answers_within_the_SDK_retry_budget_are_absorbed_and_the_load_succeeds()
    {
        var connectionString = await MigratedDatabaseFixture.CreateAsync("s3flaky");
        await using var proxy = new FaultyS3Proxy(s3.Server.ServiceUrl, (n, _) => n <= 3 ? ProxyAction.Error(HttpStatusCode.ServiceUnavailable, "SlowDown") : ProxyAction.Forward);

        var result = await WarehouseDb.Loader(connectionString, transientRetries: 0, Through(proxy)).LoadAsync(S3Request());

        Assert.Equal((71, 8056), (result.SongsStaged, result.EventsStaged));
        AssertStar(SampleStars.Full, await ReadStarAsync(connectionString));
        Assert.Single(await WarehouseDb.RunsAsync(connectionString));
        Assert.True(proxy.Requests > 3, proxy.Log);
    }

    [Fact]
    public async Task S3_failing_longer_than_the_SDK_retries_is_retried_by_the_loader_as_a_new_run()
    {
        var connectionString = await MigratedDatabaseFixture.CreateAsync("s3down");
        var outage = Sparkify.Warehouse.Loading.Sources.S3ClientFactory.MaxErrorRetry + 1;
        await using var proxy = new FaultyS3Proxy(s3.Server.ServiceUrl, (n, _) => n <= outage ? ProxyAction.Error(HttpStatusCode.InternalServerError, "InternalError") : ProxyAction.Forward);

        var result = await WarehouseDb.Loader(connectionString, transientRetries: 1, Through(proxy)).LoadAsync(S3Request());

        AssertStar(SampleStars.Full, await ReadStarAsync(connectionString));
        var runs = await WarehouseDb.RunsAsync(connectionString);
        Assert.Equal([LoadRunStatus.Failed, LoadRunStatus.Succeeded], runs.Select(r => r.Status));
        // The event logs are listed first (the song files are listed while the events are staged).
        Assert.Equal($"S3 failed on {Events} (InternalError) after retries. (transient; the load was retried as a new run)", runs[0].Error);
        Assert.Equal(result.RunId, runs[1].RunId);
    }

    [Fact]
    public async Task An_S3_server_that_dies_mid_download_fails_the_load_after_bounded_retries_and_a_rerun_completes()
    {
        var connectionString = await MigratedDatabaseFixture.CreateAsync("s3dies");
        var before = await WarehouseDb.PreloadEarlierDaysAsync(connectionString);
        var died = 0;
        var proxy = new FaultyS3Proxy(s3.Server.ServiceUrl, (_, request) =>

            // Half of the first log file arrives, then the server is gone for good. (The files after it,
            // read ahead, meet a closed port, but the load consumes files in order.)
            request.RawUrl!.EndsWith(FirstLog, StringComparison.Ordinal) && Interlocked.Exchange(ref died, 1) == 0 ? ProxyAction.DieMidBody : ProxyAction.Forward);
        await using (proxy)
        {
            var failure = await Assert.ThrowsAsync<WarehouseLoadException>(() =>
                WarehouseDb.Loader(connectionString, transientRetries: 1, Through(proxy)).LoadAsync(S3Request()));

            Assert.StartsWith($"Could not reach S3 at {proxy.ServiceUrl}", failure.Message, StringComparison.Ordinal);
        }

        AssertStar(before, await ReadStarAsync(connectionString));
        var runs = await WarehouseDb.RunsAsync(connectionString);
        Assert.Equal([LoadRunStatus.Succeeded, LoadRunStatus.Failed, LoadRunStatus.Failed], runs.Select(r => r.Status));
        Assert.StartsWith($"Could not read 's3://{SparkifySampleInS3.Bucket}/{FirstLog}': ", runs[1].Error, StringComparison.Ordinal);
        Assert.EndsWith("(transient; the load was retried as a new run)", runs[1].Error, StringComparison.Ordinal);

        await WarehouseDb.Loader(connectionString, s3: s3.Server.Settings()).LoadAsync(S3Request());
        AssertStar(SampleStars.Full, await ReadStarAsync(connectionString));
    }

    [Theory]
    [InlineData("songs", "s3://no-such-bucket/song_data/", "S3 bucket 'no-such-bucket' does not exist")]
    [InlineData("events", $"s3://{SparkifySampleInS3.Bucket}/no_such_prefix/", $"Source 's3://{SparkifySampleInS3.Bucket}/no_such_prefix/' has no *.json or *.json.gz files.")]
    [InlineData("jsonpaths", $"s3://{SparkifySampleInS3.Bucket}/no_such_paths.json", $"S3 object s3://{SparkifySampleInS3.Bucket}/no_such_paths.json does not exist")]
    public async Task A_missing_bucket_key_or_prefix_fails_the_load_at_once_with_a_message_naming_it(string source, string uri, string message)
    {
        var connectionString = await MigratedDatabaseFixture.CreateAsync("s3missing");
        var before = await WarehouseDb.PreloadEarlierDaysAsync(connectionString);
        var request = source switch
        {
            "songs" => S3Request() with { SongsSource = uri },
            "events" => S3Request() with { EventsSource = uri },
            _ => S3Request() with { JsonPathsSource = uri },
        };

        var failure = await Assert.ThrowsAsync<WarehouseLoadException>(() => WarehouseDb.Loader(connectionString, s3: s3.Server.Settings()).LoadAsync(request));

        Assert.StartsWith(message, failure.Message, StringComparison.Ordinal);
        AssertStar(before, await ReadStarAsync(connectionString));
        var runs = await WarehouseDb.RunsAsync(connectionString);
        Assert.Equal([LoadRunStatus.Succeeded, LoadRunStatus.Failed], runs.Select(r => r.Status));
        Assert.Equal(failure.Message, runs[1].Error);
    }

    [Fact]
    public async Task A_403_from_S3_fails_the_load_at_once_without_retries_naming_the_object()
    {
        var connectionString = await MigratedDatabaseFixture.CreateAsync("s3denied");
        var before = await WarehouseDb.PreloadEarlierDaysAsync(connectionString);
        await using var proxy = new FaultyS3Proxy(s3.Server.ServiceUrl, (_, _) => ProxyAction.Error(HttpStatusCode.Forbidden, "AccessDenied"));

        var failure = await Assert.ThrowsAsync<WarehouseLoadException>(() =>
            WarehouseDb.Loader(connectionString, transientRetries: 2, Through(proxy)).LoadAsync(S3Request()));

        Assert.StartsWith($"Access to {Events} was denied (AccessDenied)", failure.Message, StringComparison.Ordinal);
        Assert.Equal(1, proxy.Requests);
        AssertStar(before, await ReadStarAsync(connectionString));
        Assert.Equal([LoadRunStatus.Succeeded, LoadRunStatus.Failed], (await WarehouseDb.RunsAsync(connectionString)).Select(r => r.Status));
    }

    private static LoadRequest S3Request() => new() { SongsSource = Songs, EventsSource = Events };

    private static Sparkify.Warehouse.Loading.S3Settings Through(FaultyS3Proxy proxy) => new() { ServiceUrl = proxy.ServiceUrl, Region = "us-west-2", Anonymous = true };
}
