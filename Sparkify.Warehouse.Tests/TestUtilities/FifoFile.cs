namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>
/// A named pipe posing as a log file: a load that reads it blocks until the test decides to supply its
/// content, which holds the load at an exact point (inside its staging COPY) for as long as the test needs.
/// </summary>
internal sealed class FifoFile : IAsyncDisposable
{
    private Task _serving = Task.CompletedTask;

    private FifoFile(string path) => Path = path;

    public string Path { get; }

    public static async Task<FifoFile> CreateAsync(string path)
    {
        var result = await ProcessRunner.RunAsync("mkfifo", [path]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return new FifoFile(path);
    }

    /// <summary>
    /// Serves <paramref name="content"/> to the next reader: waits for it to open the pipe, runs
    /// <paramref name="beforeWriting"/> (the reader is blocked meanwhile), then writes and closes.
    /// </summary>
    public Task ServeAsync(byte[] content, Func<Task>? beforeWriting = null)
    {
        _serving = Task.Run(async () =>
        {
            // Opening a pipe for writing blocks until a reader opens it.
            await using var pipe = new FileStream(Path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 1);
            if (beforeWriting is not null)
            {
                await beforeWriting();
            }

            try
            {
                await pipe.WriteAsync(content);
            }
            catch (IOException)
            {
                // The reader went away (its load failed); that is its business.
            }
        });
        return _serving;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_serving.IsCompleted)
        {
            // Nobody came to read: be the reader, so the writer's open returns.
            await using (var reader = new FileStream(Path, FileMode.Open, FileAccess.Read))
            {
                await reader.CopyToAsync(Stream.Null);
            }
        }

        try
        {
            await _serving;
        }
        finally
        {
            File.Delete(Path);
        }
    }
}
