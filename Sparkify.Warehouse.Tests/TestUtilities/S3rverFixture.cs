using System.Diagnostics;
using System.IO.Compression;
using System.Text.RegularExpressions;
using Amazon.S3;
using Amazon.S3.Model;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Loading.Sources;

namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>
/// A real S3-compatible server for the tests: s3rver (npm package s3rver@3.7.1), installed by
/// .ci/install-prereqs.sh under .tools/node. Listens on a free 127.0.0.1 port with its own temporary
/// data folder; both go away when the fixture is disposed. s3rver accepts unsigned requests, so the
/// tests use anonymous access and never touch real AWS credentials.
/// </summary>
public sealed partial class S3rverFixture : IAsyncLifetime
{
    private Process? _process;
    private DirectoryInfo? _directory;
    private AmazonS3Client? _admin;

    /// <summary>The server's endpoint, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string ServiceUrl { get; private set; } = "";

    /// <summary>The client the fixture uploads with.</summary>
    public IAmazonS3 Client => _admin ?? throw new InvalidOperationException("s3rver is not started.");

    /// <summary>Settings that point the warehouse at this server (anonymous unless told otherwise).</summary>
    public S3Settings Settings(bool? anonymous = true) => new() { ServiceUrl = ServiceUrl, Region = "us-west-2", Anonymous = anonymous };

    public async Task InitializeAsync()
    {
        var executable = ExternalTool.Find("s3rver", Path.Combine(TestEnvironment.RepositoryRoot, ".tools", "node", "node_modules", ".bin", "s3rver"));
        _directory = Directory.CreateTempSubdirectory("sparkify-s3rver-");
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // s3rver 3.7.1 encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node 17+)
        // only offers through its legacy provider; without it every second page is a 500.
        start.Environment["NODE_OPTIONS"] = "--openssl-legacy-provider";

        // Port 0: the OS picks a free port, which s3rver prints even with --silent.
        foreach (var argument in new[] { "--directory", _directory.FullName, "--address", "127.0.0.1", "--port", "0", "--silent" })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start s3rver.");
        var stderr = _process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        string? line;
        while ((line = await _process.StandardOutput.ReadLineAsync(timeout.Token)) is not null)
        {
            if (ListeningPattern().Match(line) is { Success: true } match)
            {
                ServiceUrl = "http://127.0.0.1:" + match.Groups[1].Value;
                break;
            }
        }

        if (ServiceUrl.Length == 0)
        {
            throw new InvalidOperationException("s3rver exited without listening: " + await stderr);
        }

        // Keep draining its output so a chatty server never blocks on a full pipe.
        _ = _process.StandardOutput.ReadToEndAsync();
        _admin = S3ClientFactory.Create(Settings(), anonymous: true);
    }

    public async Task DisposeAsync()
    {
        _admin?.Dispose();
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        _directory?.Delete(recursive: true);
    }

    /// <summary>Creates a bucket (no-op if it exists).</summary>
    public async Task CreateBucketAsync(string bucket)
    {
        try
        {
            await Client.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
        }
    }

    /// <summary>
    /// Uploads every file under <paramref name="folder"/> to <paramref name="bucket"/> with keys
    /// <c>prefix/relative/path</c> ('/'-separated); with <paramref name="gzip"/>, each file is
    /// gzip-compressed and its key gets a <c>.gz</c> suffix. Returns the keys.
    /// </summary>
    public async Task<IReadOnlyList<string>> UploadFolderAsync(string bucket, string prefix, string folder, bool gzip = false)
    {
        await CreateBucketAsync(bucket);
        var keys = new List<string>();
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(folder, file).Replace(Path.DirectorySeparatorChar, '/');
            var key = (prefix.Length == 0 ? "" : prefix.TrimEnd('/') + "/") + relative + (gzip ? ".gz" : "");
            var content = await File.ReadAllBytesAsync(file);
            await PutObjectAsync(bucket, key, gzip ? Gzip(content) : content);
            keys.Add(key);
        }

        return keys;
    }

    /// <summary>Stores one object.</summary>
    public async Task PutObjectAsync(string bucket, string key, byte[] content)
    {
        await CreateBucketAsync(bucket);
        using var stream = new MemoryStream(content);
        await Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = stream, AutoCloseStream = false });
    }

    /// <summary>Deletes one object.</summary>
    public Task DeleteObjectAsync(string bucket, string key) => Client.DeleteObjectAsync(bucket, key);

    private static byte[] Gzip(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            gzip.Write(content);
        }

        return output.ToArray();
    }

    [GeneratedRegex(@"S3rver listening on [0-9.]+:(\d+)")]
    private static partial Regex ListeningPattern();
}
