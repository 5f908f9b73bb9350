using System.Buffers;
using System.Text;
using Sparkify.Warehouse.Loading.Json;
using Sparkify.Warehouse.Loading.PostgreSql;
using Sparkify.Warehouse.Loading.Staging;

namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>Shared pieces of the staging tests: the model's staging tables and scratch folders.</summary>
internal static class StagingTestSupport
{
    // The layout a PostgreSQL load uses, read from the compiled model.
    private static readonly PostgresStaging Tables = new();

    public static StagingTable Events => Tables.Events;

    public static StagingTable Songs => Tables.Songs;

    public static RecordConverter EventConverter() => new(RecordMapping.JsonPaths(Events, JsonPathsFile.DefaultEventPaths));

    public static RecordConverter SongConverter() => new(RecordMapping.Auto(Songs));

    /// <summary>The staged value of the named column after a successful conversion.</summary>
    public static object? Value(this RecordConverter converter, string column)
    {
        var index = converter.Columns.ToList().FindIndex(c => c.Name == column);
        Assert.True(index >= 0, $"no column {column}");
        return converter.GetValue(index);
    }

    /// <summary>Reads every record and reject of <paramref name="utf8"/>, streamed in pieces of <paramref name="chunk"/> bytes.</summary>
    public static async Task<List<ReadItem>> ReadAllAsync(byte[] utf8, RecordFraming framing, int chunk = 1 << 16, int firstChunk = -1)
    {
        firstChunk = firstChunk < 0 ? Math.Min(utf8.Length, chunk) : Math.Min(firstChunk, utf8.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(firstChunk, 16));
        utf8.AsSpan(0, firstChunk).CopyTo(buffer);
        Stream? rest = firstChunk == utf8.Length ? null : new TrickleStream(utf8[firstChunk..], chunk);
        var items = new List<ReadItem>();
        await using var reader = new JsonRecordReader(buffer, firstChunk, rest, framing);
        while (true)
        {
            switch (reader.Read())
            {
                case ReadStatus.Record:
                    items.Add(new ReadItem(reader.Line, Encoding.UTF8.GetString(reader.Record), null));
                    break;
                case ReadStatus.Rejected:
                    items.Add(new ReadItem(reader.Line, Encoding.UTF8.GetString(reader.RejectRaw), reader.RejectReason));
                    break;
                case ReadStatus.NeedMoreData:
                    await reader.FillAsync(CancellationToken.None);
                    break;
                default:
                    Assert.Equal(utf8.Length, reader.BytesRead);
                    return items;
            }
        }
    }

    /// <summary>A record (<see cref="Reason"/> null) or a reject, with the line it starts on.</summary>
    public sealed record ReadItem(long Line, string Text, string? Reason);

    /// <summary>A read-only stream that returns at most <c>chunk</c> bytes per read, to exercise buffer edges.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data, writable: false)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => base.ReadAsync(buffer, offset, Math.Min(count, chunk), cancellationToken);
    }
}

/// <summary>A scratch folder under the system temp directory, deleted on dispose.</summary>
internal sealed class ScratchFolder : IDisposable
{
    public ScratchFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "sparkify-staging-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Write(string relativePath, string text) => Write(relativePath, Encoding.UTF8.GetBytes(text));

    public string Write(string relativePath, byte[] bytes)
    {
        var full = System.IO.Path.Combine(Path, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes);
        return full;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder is harmless.
        }
    }
}
