namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>
/// An s3rver holding the real sample the way <c>s3://udacity-dend</c> holds the full data:
/// <c>song_data/...</c>, <c>log_data/...</c> and <c>log_json_path.json</c> in bucket
/// <see cref="Bucket"/>, plus the logs gzip-compressed under <see cref="GzipLogPrefix"/>.
/// </summary>
public sealed class SparkifySampleInS3 : IAsyncLifetime
{
    public const string Bucket = "udacity-dend";

    public const string GzipLogPrefix = "gz/log_data";

    public S3rverFixture Server { get; } = new();

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        await Server.UploadFolderAsync(Bucket, "song_data", TestEnvironment.SampleSongs);
        await Server.UploadFolderAsync(Bucket, "log_data", TestEnvironment.SampleLogs);
        await Server.UploadFolderAsync(Bucket, GzipLogPrefix, TestEnvironment.SampleLogs, gzip: true);
        await Server.PutObjectAsync(Bucket, "log_json_path.json", await File.ReadAllBytesAsync(TestEnvironment.SampleJsonPaths));
    }

    public Task DisposeAsync() => Server.DisposeAsync();
}
