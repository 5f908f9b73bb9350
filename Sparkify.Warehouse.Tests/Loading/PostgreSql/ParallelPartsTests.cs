using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Sparkify.Warehouse.Loading.Json;
using Sparkify.Warehouse.Loading.PostgreSql;
using Sparkify.Warehouse.Loading.Sources;
using Sparkify.Warehouse.Loading.Staging;
using Sparkify.Warehouse.Tests.Generation;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Loading.PostgreSql;

/// <summary>
/// A large JSON Lines file is cut into parts converted on several cores; what comes out must be exactly
/// what one reader produces: the same COPY stream byte for byte, the same rejects with the same line
/// numbers, and the same stop at the reject budget. The bad lines sit at positions the test chose.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class ParallelPartsTests : IDisposable
{
    private const int Lines = 40_000;
    private const int Malformed = 1_000;
    private const int NotAnObject = 2_001;
    private const int WrongType = 3_000;
    private const int LongButValid = 7_777;
    private const int TooLarge = 9_000;
    private const int Blank = 12_345;
    private const int CrLf = 15_000;
    private const int LongerThanAnyPart = 20_000;
    private const int MalformedAfterIt = 25_000;

    private readonly string _folder = TempFolder.NewPath("parallel-parts");
    private readonly string _file;

    public ParallelPartsTests()
    {
        Directory.CreateDirectory(_folder);
        _file = Path.Combine(_folder, "events.json");
        using var output = new FileStream(_file, FileMode.Create, FileAccess.Write);
        output.Write(JsonRecordReader.Utf8Bom);
        for (var line = 1; line <= Lines; line++)
        {
            var text = line switch
            {
                Malformed => """{"artist": "broken""",
                NotAnObject => "[1, 2, 3]",
                WrongType => Event(line).Replace("\"itemInSession\":" + line.ToString(CultureInfo.InvariantCulture), "\"itemInSession\":\"x\"", StringComparison.Ordinal),
                LongButValid => Event(line)[..^1] + ",\"padding\":\"" + new string('p', 1_500_000) + "\"}",
                TooLarge => Event(line)[..^1] + ",\"padding\":\"" + new string('q', 5_000_000) + "\"}",
                LongerThanAnyPart => Event(line)[..^1] + ",\"padding\":\"" + new string('r', 9_000_000) + "\"}",
                MalformedAfterIt => "{not json}",
                Blank => "   ",
                _ => Event(line),
            };
            output.Write(Encoding.UTF8.GetBytes(text));
            if (line == CrLf)
            {
                output.WriteByte((byte)'\r');
            }

            // The last line has no newline, as files often end.
            if (line < Lines)
            {
                output.WriteByte((byte)'\n');
            }
        }
    }

    public void Dispose() => TempFolder.Delete(_folder);

    [Fact]
    public async Task A_large_file_in_parts_gives_the_stream_and_rejects_of_one_reader()
    {
        var (single, singleResult, singleRejects) = await ConvertAsync(workers: 1, maxErrors: 100);

        // The rejects are the lines made bad, on their own line numbers.
        Assert.Equal([Malformed, NotAnObject, WrongType, TooLarge, LongerThanAnyPart, MalformedAfterIt], singleRejects.Select(e => (int)e.LineNumber));
        Assert.Equal("item_in_session", singleRejects[2].ColumnName);
        Assert.Equal(Lines - 6 - 1, singleResult.RecordsStaged);
        Assert.False(singleResult.StoppedAtErrorLimit);

        foreach (var workers in new[] { 2, 3, 8 })
        {
            var (parts, partsResult, partsRejects) = await ConvertAsync(workers, maxErrors: 100);
            Assert.Equal(singleResult, partsResult);
            Assert.Equal(Describe(singleRejects), Describe(partsRejects));
            Assert.True(single.AsSpan().SequenceEqual(parts), $"The COPY stream with {workers} workers differs from one reader's.");
        }
    }

    [Fact]
    public async Task Parts_stop_at_the_reject_budget_where_one_reader_stops()
    {
        var (_, singleResult, singleRejects) = await ConvertAsync(workers: 1, maxErrors: 2);
        var (_, partsResult, partsRejects) = await ConvertAsync(workers: 4, maxErrors: 2);

        // Parts are read ahead of the one being written, so more of the file has been read when the
        // budget runs out; everything else is the same.
        Assert.True(singleResult.StoppedAtErrorLimit);
        Assert.Equal(singleResult, partsResult with { BytesRead = singleResult.BytesRead });
        Assert.InRange(partsResult.BytesRead, singleResult.BytesRead, new FileInfo(_file).Length);
        Assert.Equal([Malformed, NotAnObject, WrongType], partsRejects.Select(e => (int)e.LineNumber));
        Assert.Equal(Describe(singleRejects), Describe(partsRejects));
    }

    [Fact]
    public async Task Files_in_parts_give_the_stream_rejects_and_rows_per_file_of_one_reader()
    {
        // Large files cut into parts, a small file read by one reader, a file whose rest is left to one
        // reader after a line too long to cut around, and an empty file: rows and rejects in file order,
        // and each file's row count, which the ledger records.
        var folder = Path.Combine(_folder, "days");
        Directory.CreateDirectory(folder);
        WriteLines(Path.Combine(folder, "a.json"), 10_000, line => line switch
        {
            10 => """{"artist": "broken""",
            9_999 => Event(line).Replace("\"itemInSession\":9999", "\"itemInSession\":\"x\"", StringComparison.Ordinal),
            _ => Event(line),
        });
        WriteLines(Path.Combine(folder, "b.json"), 20, line => line == 3 ? "[1, 2, 3]" : Event(line));
        WriteLines(Path.Combine(folder, "c.json"), 8_000, line => line switch
        {
            4_000 => Event(line)[..^1] + ",\"padding\":\"" + new string('r', 9_000_000) + "\"}",
            7_000 => "{not json}",
            _ => Event(line),
        });
        WriteLines(Path.Combine(folder, "d.json"), 12_000, Event);
        await File.WriteAllBytesAsync(Path.Combine(folder, "e.json"), []);

        var (single, singleResult, singleRejects) = await ConvertAsync(folder, workers: 1, maxErrors: 100);

        // Counted from how the files were written: every line but the bad ones.
        Assert.Equal(
            [("a.json", 10), ("a.json", 9_999), ("b.json", 3), ("c.json", 4_000), ("c.json", 7_000)],
            singleRejects.Select(e => (Path.GetFileName(e.Source), (int)e.LineNumber)));
        var expectedRows = new Dictionary<string, long> { ["a.json"] = 9_998, ["b.json"] = 19, ["c.json"] = 7_998, ["d.json"] = 12_000, ["e.json"] = 0 };
        Assert.Equal(expectedRows, RowsByFileName(singleResult));
        Assert.Equal(5, singleResult.FilesRead);
        Assert.Equal(expectedRows.Values.Sum(), singleResult.RecordsStaged);

        foreach (var workers in new[] { 2, 3, 8 })
        {
            var (parts, partsResult, partsRejects) = await ConvertAsync(folder, workers, maxErrors: 100);
            Assert.Equal(singleResult, partsResult);
            Assert.Equal(expectedRows, RowsByFileName(partsResult));
            Assert.Equal(Describe(singleRejects), Describe(partsRejects));
            Assert.True(single.AsSpan().SequenceEqual(parts), $"The COPY stream of the files with {workers} workers differs from one reader's.");
        }

        // A budget that runs out in a later file than the first rejects.
        var (_, stoppedSingle, stoppedSingleRejects) = await ConvertAsync(folder, workers: 1, maxErrors: 2);
        var (_, stoppedParts, stoppedPartsRejects) = await ConvertAsync(folder, workers: 4, maxErrors: 2);
        Assert.True(stoppedSingle.StoppedAtErrorLimit);
        Assert.Equal(stoppedSingle, stoppedParts with { BytesRead = stoppedSingle.BytesRead });
        Assert.Equal(1, stoppedParts.FilesRead);
        Assert.Equal(
            [("a.json", 10), ("a.json", 9_999), ("b.json", 3)],
            stoppedPartsRejects.Select(e => (Path.GetFileName(e.Source), (int)e.LineNumber)));
        Assert.Equal(Describe(stoppedSingleRejects), Describe(stoppedPartsRejects));
    }

    private static void WriteLines(string path, int lines, Func<int, string> text)
    {
        using var output = new FileStream(path, FileMode.Create, FileAccess.Write);
        for (var line = 1; line <= lines; line++)
        {
            output.Write(Encoding.UTF8.GetBytes(text(line)));
            if (line < lines)
            {
                output.WriteByte((byte)'\n');
            }
        }
    }

    private static Dictionary<string, long> RowsByFileName(StagingCopyResult result)
        => result.RowsPerFile.ToDictionary(p => Path.GetFileName(p.Key), p => p.Value);

    private Task<(byte[] Stream, StagingCopyResult Result, IReadOnlyList<Sparkify.Warehouse.Entities.LoadError> Rejects)> ConvertAsync(int workers, int maxErrors)
        => ConvertAsync(_file, workers, maxErrors);

    private static async Task<(byte[] Stream, StagingCopyResult Result, IReadOnlyList<Sparkify.Warehouse.Entities.LoadError> Rejects)> ConvertAsync(string source, int workers, int maxErrors)
    {
        using var context = new WarehouseDbContext(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse("Host=localhost;Database=model_only").Options);
        var copy = new PostgresStagingCopy(RecordMapping.JsonPaths(StagingTestSupport.Events, JsonPathsFile.DefaultEventPaths), RecordFraming.JsonLines, context.GetService<ISqlGenerationHelper>())
        {
            ParseWorkers = workers,
        };
        var rejects = new RejectLog(Guid.Empty, maxErrors);
        using var stream = new MemoryStream();
        var result = await copy.WriteToAsync(stream, LocalSources.List(source), rejects, CancellationToken.None);
        return (stream.ToArray(), result, rejects.Errors);
    }

    private static List<string> Describe(IEnumerable<Sparkify.Warehouse.Entities.LoadError> errors)
        => errors.Select(e => $"{e.Source}|{e.LineNumber}|{e.ColumnName}|{e.Reason}|{e.RawLine}").ToList();

    private static string Event(int line)
        => string.Create(
            CultureInfo.InvariantCulture,
            $$"""{"artist":"Artist {{line % 97}}","auth":"Logged In","firstName":"Ann","gender":"F","itemInSession":{{line}},"lastName":"Lee","length":{{200 + (line % 50)}}.5,"level":"paid","location":"Paris","method":"PUT","page":"NextSong","registration":1540919166796.0,"sessionId":{{line / 10}},"song":"Song {{line}}","status":200,"ts":{{1541105830796L + line}},"userAgent":"UA","userId":"{{line % 100}}"}""");
}
