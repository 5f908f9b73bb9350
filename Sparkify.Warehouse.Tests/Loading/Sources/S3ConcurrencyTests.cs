using Sparkify.Warehouse.Loading.PostgreSql;
using Sparkify.Warehouse.Loading.Sources;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Loading.Sources;

/// <summary>Many small S3 objects are fetched several at a time, never one by one and never all at once.</summary>
public sealed class S3ConcurrencyTests(SparkifySampleInS3 s3) : IClassFixture<SparkifySampleInS3>
{
    [Fact]
    public async Task Song_objects_are_fetched_concurrently_within_the_read_ahead_window()
    {
        await using var proxy = new ConnectionCountingProxy(s3.Server.ServiceUrl, latency: TimeSpan.FromMilliseconds(20));
        var settings = s3.Server.Settings();
        settings.ServiceUrl = proxy.Url;
        using var resolver = new SourceResolver(settings);
        var files = await resolver.ListAsync($"s3://{SparkifySampleInS3.Bucket}/song_data", CancellationToken.None).ToListAsync();
        var listingConnections = proxy.TotalConnections;

        var bytes = 0L;
        await using (var prefetcher = new SourcePrefetcher(files, PostgresStagingCopy.PrefetchWindow, CancellationToken.None))
        {
            while (await prefetcher.NextAsync() is { } source)
            {
                await using (source)
                {
                    bytes += source.Length;
                }
            }
        }

        Assert.Equal(71, files.Count);
        Assert.Equal(files.Sum(f => f.Length), bytes);

        // More than one request in flight at once (not one by one), and no more than the read-ahead
        // window plus the connection the listing opened.
        Assert.InRange(proxy.PeakOpenConnections, 2, PostgresStagingCopy.PrefetchWindow + listingConnections);
        Assert.True(proxy.PeakOpenConnections > listingConnections, $"peak {proxy.PeakOpenConnections}, listing {listingConnections}");
    }
}
