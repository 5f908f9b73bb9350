using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Loading.Sources;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Loading.Sources;

/// <summary>Listing and reading S3 sources against a real S3-compatible server holding the real sample.</summary>
public sealed class S3SourceTests(SparkifySampleInS3 s3) : IClassFixture<SparkifySampleInS3>
{
    private const string Bucket = SparkifySampleInS3.Bucket;

    [Theory]
    [InlineData("song_data", 71)]
    [InlineData("log_data", 30)]
    public async Task ListAsync_SamplePrefix_GivesTheLocalFolderFileForFileByteForByte(string folder, int expectedFiles)
    {
        using var resolver = new SourceResolver(s3.Server.Settings());
        var local = await ListAsync(resolver, Path.Combine(TestEnvironment.SampleData, folder));
        var remote = await ListAsync(resolver, $"s3://{Bucket}/{folder}");

        Assert.Equal(expectedFiles, remote.Count);
        Assert.Equal(
            local.Select(f => Path.GetRelativePath(Path.Combine(TestEnvironment.SampleData, folder), f.Name).Replace('\\', '/')),
            remote.Select(f => f.Name[$"s3://{Bucket}/{folder}/".Length..]));
        for (var i = 0; i < local.Count; i++)
        {
            Assert.Equal(local[i].Length, remote[i].Length);
            Assert.Equal(await ReadAsync(local[i]), await ReadAsync(remote[i]));
        }
    }

    [Fact]
    public async Task ListAsync_PagesSmallerThanThePrefix_ListEveryObjectOnceInKeyOrder()
    {
        using var resolver = new SourceResolver(s3.Server.Settings()) { ListPageSize = 7 };

        var names = (await ListAsync(resolver, $"s3://{Bucket}/song_data/")).Select(f => f.Name).ToList();

        Assert.Equal(71, names.Count);
        Assert.Equal(71, names.Distinct().Count());
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.All(names, n => Assert.StartsWith($"s3://{Bucket}/song_data/A/", n, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ListAsync_KeyPrefix_MatchesLikeRedshiftCopy_NotLikeAFolder()
    {
        using var resolver = new SourceResolver(s3.Server.Settings());

        var names = (await ListAsync(resolver, $"s3://{Bucket}/log_data/2018/11/2018-11-1")).Select(f => Path.GetFileName(f.Name)).ToList();

        Assert.Equal(Enumerable.Range(10, 10).Select(day => $"2018-11-{day}-events.json"), names);
    }

    [Fact]
    public async Task ListAsync_GzippedObjects_AreListedAsGzAndReadDecompressed()
    {
        using var resolver = new SourceResolver(s3.Server.Settings());
        var local = await ListAsync(resolver, TestEnvironment.SampleLogs);

        var remote = await ListAsync(resolver, $"s3://{Bucket}/{SparkifySampleInS3.GzipLogPrefix}");

        Assert.Equal(30, remote.Count);
        Assert.All(remote, f => Assert.True(f.IsGzip, f.Name));
        for (var i = 0; i < local.Count; i++)
        {
            Assert.Equal(Path.GetFileName(local[i].Name) + ".gz", Path.GetFileName(remote[i].Name));
            var stored = await ReadStoredAsync(remote[i]);
            Assert.Equal([0x1f, 0x8b], stored[..2]); // really compressed in the store
            Assert.Equal(await ReadAsync(local[i]), await ReadAsync(remote[i]));
        }
    }

    [Fact]
    public async Task ListAsync_MissingBucket_FailsNamingTheBucket()
    {
        using var resolver = new SourceResolver(s3.Server.Settings());

        var error = await Assert.ThrowsAsync<WarehouseException>(() => ListAsync(resolver, "s3://no-such-sparkify-bucket/song_data"));

        Assert.Contains("'no-such-sparkify-bucket' does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAsync_PrefixWithoutJsonFiles_FailsNamingTheSource()
    {
        using var resolver = new SourceResolver(s3.Server.Settings());

        var error = await Assert.ThrowsAsync<WarehouseException>(() => ListAsync(resolver, $"s3://{Bucket}/no_such_prefix/"));

        Assert.Equal($"Source 's3://{Bucket}/no_such_prefix/' has no *.json or *.json.gz files.", error.Message);
    }

    [Fact]
    public async Task ListAsync_UnreachableEndpoint_FailsWithAClearMessage()
    {
        using var resolver = new SourceResolver(new S3Settings { ServiceUrl = $"http://127.0.0.1:{ClosedPort()}", Anonymous = true });

        var error = await Assert.ThrowsAsync<WarehouseException>(() => ListAsync(resolver, $"s3://{Bucket}/song_data"));

        Assert.StartsWith("Could not reach S3 at http://127.0.0.1:", error.Message, StringComparison.Ordinal);
        Assert.Contains($"s3://{Bucket}/song_data", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("s3://Sparkify/song_data", "bucket name may contain only lowercase letters")]
    [InlineData("https://udacity-dend.s3.amazonaws.com/song_data", "unsupported scheme")]
    [InlineData("gs://udacity-dend/song_data", "unsupported scheme")]
    public async Task ListAsync_InvalidSource_FailsBeforeAnyRequest(string source, string problem)
    {
        using var resolver = new SourceResolver(s3.Server.Settings());

        var error = await Assert.ThrowsAsync<WarehouseException>(() => ListAsync(resolver, source));

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAsync_LocalFolderWithoutJsonFiles_Fails()
    {
        var empty = Directory.CreateTempSubdirectory("sparkify-empty-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(empty.FullName, "notes.txt"), "not a source");
            using var resolver = new SourceResolver();

            var error = await Assert.ThrowsAsync<WarehouseException>(() => ListAsync(resolver, empty.FullName));

            Assert.Contains("has no *.json or *.json.gz files", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task ListNonJsonKeysAsync_PrefixWithOtherObjects_NamesWhatRedshiftWouldAlsoRead()
    {
        const string bucket = "sparkify-mixed";
        await s3.Server.PutObjectAsync(bucket, "log_data/2018-11-01-events.json", "{}"u8.ToArray());
        await s3.Server.PutObjectAsync(bucket, "log_data/README.txt", "notes"u8.ToArray());
        await s3.Server.PutObjectAsync(bucket, "log_data/_SUCCESS", []);
        await s3.Server.PutObjectAsync(bucket, "log_data_backup/old.csv", "a,b"u8.ToArray());
        using var resolver = new SourceResolver(s3.Server.Settings());

        var others = await resolver.ListNonJsonKeysAsync($"s3://{bucket}/log_data", CancellationToken.None);
        var files = await ListAsync(resolver, $"s3://{bucket}/log_data");

        Assert.Equal(["log_data/README.txt", "log_data/_SUCCESS", "log_data_backup/old.csv"], others);
        Assert.Equal([$"s3://{bucket}/log_data/2018-11-01-events.json"], files.Select(f => f.Name));
        Assert.Empty(await resolver.ListNonJsonKeysAsync($"s3://{Bucket}/song_data", CancellationToken.None));
    }

    [Fact]
    public async Task ReadAllBytesAsync_JsonPathsInS3_IsTheLocalFileByteForByte()
    {
        using var resolver = new SourceResolver(s3.Server.Settings());

        var fromS3 = await resolver.ReadAllBytesAsync($"s3://{Bucket}/log_json_path.json", CancellationToken.None);
        var local = await resolver.ReadAllBytesAsync(TestEnvironment.SampleJsonPaths, CancellationToken.None);

        Assert.Equal(await File.ReadAllBytesAsync(TestEnvironment.SampleJsonPaths), fromS3);
        Assert.Equal(fromS3, local);
    }

    [Fact]
    public async Task ReadAllBytesAsync_MissingObject_FailsNamingTheObject()
    {
        using var resolver = new SourceResolver(s3.Server.Settings());

        var error = await Assert.ThrowsAsync<WarehouseException>(() => resolver.ReadAllBytesAsync($"s3://{Bucket}/no_such_paths.json", CancellationToken.None));

        Assert.Contains($"s3://{Bucket}/no_such_paths.json does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAllBytesAsync_ObjectLargerThanOneMegabyte_IsRefused()
    {
        await s3.Server.PutObjectAsync(Bucket, "big/paths.json", new byte[SourceResolver.MaxSmallFileBytes + 1]);
        await s3.Server.PutObjectAsync(Bucket, "big/exact.json", new byte[SourceResolver.MaxSmallFileBytes]);
        using var resolver = new SourceResolver(s3.Server.Settings());

        var error = await Assert.ThrowsAsync<WarehouseException>(() => resolver.ReadAllBytesAsync($"s3://{Bucket}/big/paths.json", CancellationToken.None));
        var exact = await resolver.ReadAllBytesAsync($"s3://{Bucket}/big/exact.json", CancellationToken.None);

        Assert.Contains("is larger than 1024 KB", error.Message, StringComparison.Ordinal);
        Assert.Equal(SourceResolver.MaxSmallFileBytes, exact.Length);
    }

    [Fact]
    public async Task ReadAllBytesAsync_GzippedObjectLargerThanOneMegabyteOnceDecompressed_IsRefused()
    {
        // 2 MB of zeros compress to a few KB: the cap must apply to what is read, not what is stored.
        using (var compressed = new MemoryStream())
        {
            await using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                await gzip.WriteAsync(new byte[2 * SourceResolver.MaxSmallFileBytes]);
            }

            await s3.Server.PutObjectAsync(Bucket, "big/bomb.json.gz", compressed.ToArray());
        }

        using var resolver = new SourceResolver(s3.Server.Settings());

        await Assert.ThrowsAsync<WarehouseException>(() => resolver.ReadAllBytesAsync($"s3://{Bucket}/big/bomb.json.gz", CancellationToken.None));
    }

    [Fact]
    public async Task ReadAllBytesAsync_BucketOrFolderInsteadOfObject_IsRefused()
    {
        using var resolver = new SourceResolver(s3.Server.Settings());

        var bucket = await Assert.ThrowsAsync<WarehouseException>(() => resolver.ReadAllBytesAsync($"s3://{Bucket}", CancellationToken.None));
        var folder = await Assert.ThrowsAsync<WarehouseException>(() => resolver.ReadAllBytesAsync(TestEnvironment.SampleLogs, CancellationToken.None));

        Assert.Contains("names a bucket or folder", bucket.Message, StringComparison.Ordinal);
        Assert.Contains("is a folder", folder.Message, StringComparison.Ordinal);
    }

    internal static async Task<List<SourceFile>> ListAsync(SourceResolver resolver, string source)
    {
        var files = new List<SourceFile>();
        await foreach (var file in resolver.ListAsync(source, CancellationToken.None))
        {
            files.Add(file);
        }

        return files;
    }

    internal static async Task<byte[]> ReadAsync(SourceFile file)
    {
        await using var content = await file.OpenReadAsync(CancellationToken.None);
        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private static async Task<byte[]> ReadStoredAsync(SourceFile file)
    {
        await using var content = await file.OpenStoredAsync(CancellationToken.None);
        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
