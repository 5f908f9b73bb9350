using Sparkify.Warehouse.Loading.Sources;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Loading;

/// <summary>Bounded concurrent read-ahead over real S3 objects (s3rver) and local files.</summary>
public sealed class SourceReadAheadTests(SparkifySampleInS3 s3) : IClassFixture<SparkifySampleInS3>
{
    private const string Bucket = SparkifySampleInS3.Bucket;

    [Theory]
    [InlineData("song_data", 4)]
    [InlineData("log_data", 8)]
    [InlineData(SparkifySampleInS3.GzipLogPrefix, 3)]
    public async Task ReadAheadAsync_S3Objects_YieldsEveryFileInOrderWithItsContent(string prefix, int concurrency)
    {
        using var resolver = new SourceResolver(s3.Server.Settings());
        var files = await S3SourceTests.ListAsync(resolver, $"s3://{Bucket}/{prefix}");
        var expected = new List<byte[]>();
        foreach (var file in files)
        {
            expected.Add(await S3SourceTests.ReadAsync(file));
        }

        var actual = await ReadAllAsync(files, concurrency);

        Assert.Equal(files.Select(f => f.Name), actual.Select(a => a.Name));
        Assert.Equal(expected, actual.Select(a => a.Content));
    }

    [Fact]
    public async Task ReadAheadAsync_ObjectsOverTheBufferLimit_AreStreamedNotBuffered()
    {
        using var resolver = new SourceResolver(s3.Server.Settings());
        var files = await S3SourceTests.ListAsync(resolver, $"s3://{Bucket}/log_data");
        var streamTypes = new List<Type>();
        var contents = new List<byte[]>();

        // The smallest sample log is far above 1 KB, so every object is "large" here.
        await foreach (var (_, content) in SourceReadAhead.ReadAheadAsync(files, concurrency: 4, bufferLimit: 1024))
        {
            await using (content)
            {
                streamTypes.Add(content.GetType());
                contents.Add(await ReadToEndAsync(content));
            }
        }

        Assert.DoesNotContain(typeof(MemoryStream), streamTypes);
        Assert.Equal(await Task.WhenAll(files.Select(S3SourceTests.ReadAsync)), contents);
    }

    [Fact]
    public async Task ReadAheadAsync_LocalFiles_AreReadInOrderWithoutBuffering()
    {
        var files = LocalSources.List(TestEnvironment.SampleSongs);

        var actual = await ReadAllAsync(files, concurrency: 8);

        Assert.Equal(71, actual.Count);
        Assert.Equal(files.Select(f => f.Name), actual.Select(a => a.Name));
        Assert.Equal(files.Select(f => File.ReadAllBytes(f.Name)), actual.Select(a => a.Content));
        Assert.DoesNotContain(typeof(MemoryStream), actual.Select(a => a.StreamType));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    public async Task ReadAheadAsync_RemoteFiles_AreFetchedConcurrentlyUpToTheLimit(int concurrency)
    {
        var probe = new FetchProbe();
        var files = LocalSources.List(TestEnvironment.SampleSongs).Select(f => new ProbedRemoteFile(f, probe)).ToList();

        var actual = await ReadAllAsync(files, concurrency);

        Assert.Equal(files.Select(f => f.Name), actual.Select(a => a.Name));
        Assert.Equal(files.Select(f => File.ReadAllBytes(f.Name)), actual.Select(a => a.Content));
        Assert.Equal(concurrency, probe.MaxInFlight);
    }

    [Fact]
    public async Task ReadAheadAsync_StoppedEarly_ReleasesEverythingFetchedAhead()
    {
        var probe = new FetchProbe();
        var files = LocalSources.List(TestEnvironment.SampleSongs).Select(f => new ProbedRemoteFile(f, probe)).ToList();

        await foreach (var (_, content) in SourceReadAhead.ReadAheadAsync(files, concurrency: 6))
        {
            await content.DisposeAsync();
            break;
        }

        Assert.Equal(0, probe.InFlight);
        Assert.InRange(probe.Opened, 1, 6);
    }

    [Fact]
    public async Task ReadAheadAsync_ObjectGoneAfterListing_FailsAtThatFileAfterTheOnesBeforeIt()
    {
        const string bucket = "sparkify-vanishing";
        await s3.Server.UploadFolderAsync(bucket, "log_data", TestEnvironment.SampleLogs);
        using var resolver = new SourceResolver(s3.Server.Settings());
        var files = await S3SourceTests.ListAsync(resolver, $"s3://{bucket}/log_data");
        var gone = files[4].Name;
        await s3.Server.DeleteObjectAsync(bucket, gone[$"s3://{bucket}/".Length..]);
        var yielded = new List<string>();

        var error = await Assert.ThrowsAsync<WarehouseException>(async () =>
        {
            await foreach (var (file, content) in SourceReadAhead.ReadAheadAsync(files, concurrency: 8))
            {
                await content.DisposeAsync();
                yielded.Add(file.Name);
            }
        });

        Assert.Equal(files.Take(4).Select(f => f.Name), yielded);
        Assert.Contains(gone, error.Message, StringComparison.Ordinal);
    }

    private static async Task<List<(string Name, byte[] Content, Type StreamType)>> ReadAllAsync(IReadOnlyList<SourceFile> files, int concurrency)
    {
        var result = new List<(string, byte[], Type)>();
        await foreach (var (file, content) in SourceReadAhead.ReadAheadAsync(files, concurrency))
        {
            await using (content)
            {
                result.Add((file.Name, await ReadToEndAsync(content), content.GetType()));
            }
        }

        return result;
    }

    private static async Task<byte[]> ReadToEndAsync(Stream content)
    {
        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    /// <summary>Counts how many fetches are open at once.</summary>
    private sealed class FetchProbe
    {
        private int _inFlight;
        private int _maxInFlight;
        private int _opened;

        public int InFlight => Volatile.Read(ref _inFlight);

        public int MaxInFlight => Volatile.Read(ref _maxInFlight);

        public int Opened => Volatile.Read(ref _opened);

        public void Enter()
        {
            Interlocked.Increment(ref _opened);
            var now = Interlocked.Increment(ref _inFlight);
            int max;
            while (now > (max = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, now, max) != max)
            {
            }
        }

        public void Leave() => Interlocked.Decrement(ref _inFlight);
    }

    /// <summary>
    /// A real local file that presents itself as remote and takes a network-like 30 ms to answer, so
    /// the test can see how many fetches overlap; a fetch counts as open until its stream is disposed.
    /// </summary>
    private sealed class ProbedRemoteFile(SourceFile inner, FetchProbe probe) : SourceFile
    {
        public override string Name => inner.Name;

        public override long? Length => inner.Length;

        public override bool IsRemote => true;

        protected override async Task<Stream> OpenRawAsync(CancellationToken cancellationToken)
        {
            probe.Enter();
            try
            {
                await Task.Delay(30, cancellationToken);
                return new ProbedStream(await inner.OpenStoredAsync(cancellationToken), probe);
            }
            catch
            {
                probe.Leave();
                throw;
            }
        }
    }

    private sealed class ProbedStream(Stream inner, FetchProbe probe) : Stream
    {
        private int _disposed;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                inner.Dispose();
                probe.Leave();
            }

            base.Dispose(disposing);
        }
    }
}
