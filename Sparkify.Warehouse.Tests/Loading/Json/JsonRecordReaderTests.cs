using System.Text;
using Sparkify.Warehouse.Loading.Json;
using Sparkify.Warehouse.Tests.TestUtilities;
using static Sparkify.Warehouse.Tests.TestUtilities.StagingTestSupport;

namespace Sparkify.Warehouse.Tests.Loading.Json;

[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class JsonRecordReaderTests
{
    // Every framing test runs with the whole input at once and trickled through tiny reads, so records
    // that straddle buffer refills are covered.
    public static TheoryData<int> ChunkSizes => [1, 3, 17, 1 << 16];

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public async Task JsonLines_skips_blank_lines_and_numbers_records_by_the_line_they_are_on(int chunk)
    {
        var input = "{\"a\":1}\r\n\r\n   \n{\"a\":2}\n\t\n{\"a\":3}";
        var items = await ReadAllAsync(Encoding.UTF8.GetBytes(input), RecordFraming.JsonLines, chunk);

        Assert.Equal([(1L, "{\"a\":1}\r"), (4L, "{\"a\":2}"), (6L, "{\"a\":3}")], items.Select(i => (i.Line, i.Text)));
        Assert.All(items, i => Assert.Null(i.Reason));
    }

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public async Task JsonLines_hands_over_every_non_blank_line_even_malformed_ones(int chunk)
    {
        // Judging a line is the converter's job; the reader only frames.
        var input = "{\"a\":1}\nnot json\n{\"a\":\n[1,2]\n";
        var items = await ReadAllAsync(Encoding.UTF8.GetBytes(input), RecordFraming.JsonLines, chunk);

        Assert.Equal([(1L, "{\"a\":1}"), (2L, "not json"), (3L, "{\"a\":"), (4L, "[1,2]")], items.Select(i => (i.Line, i.Text)));
    }

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public async Task A_leading_byte_order_mark_is_skipped(int chunk)
    {
        byte[] input = [0xEF, 0xBB, 0xBF, .. "{\"a\":1}\n"u8];
        Assert.Equal("{\"a\":1}", Assert.Single(await ReadAllAsync(input, RecordFraming.JsonLines, chunk)).Text);
        Assert.Equal("{\"a\":1}", Assert.Single(await ReadAllAsync(input, RecordFraming.JsonDocuments, chunk)).Text);
    }

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public async Task JsonDocuments_reads_pretty_printed_and_concatenated_objects(int chunk)
    {
        var input = "{\n  \"a\": 1,\n  \"b\": {\"c\": [1, 2]}\n}\n{\"a\": 2}{\"a\": 3} {\"a\": 4}\n\n{\n\"a\": 5}";
        var items = await ReadAllAsync(Encoding.UTF8.GetBytes(input), RecordFraming.JsonDocuments, chunk);

        Assert.Equal(
            [(1L, "{\n  \"a\": 1,\n  \"b\": {\"c\": [1, 2]}\n}"), (5L, "{\"a\": 2}"), (5L, "{\"a\": 3}"), (5L, "{\"a\": 4}"), (7L, "{\n\"a\": 5}")],
            items.Select(i => (i.Line, i.Text)));
        Assert.All(items, i => Assert.Null(i.Reason));
    }

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public async Task JsonDocuments_rejects_a_broken_pretty_printed_object_once_and_resumes_at_the_next_object(int chunk)
    {
        var input = "{\"a\": 0}\n{\n  \"a\": 1\n  \"b\": 2\n}\n{\"a\": 3}\n";
        var items = await ReadAllAsync(Encoding.UTF8.GetBytes(input), RecordFraming.JsonDocuments, chunk);

        Assert.Equal(3, items.Count);
        Assert.Equal((1L, "{\"a\": 0}", (string?)null), (items[0].Line, items[0].Text, items[0].Reason));
        var reject = items[1];
        Assert.Equal(2, reject.Line);
        Assert.Equal("{\n  \"a\": 1\n  \"b\": 2\n}", reject.Text);
        Assert.StartsWith("malformed JSON: ", reject.Reason);
        Assert.Contains("(line 4, byte 3)", reject.Reason);
        Assert.Equal((6L, "{\"a\": 3}", (string?)null), (items[2].Line, items[2].Text, items[2].Reason));
    }

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public async Task JsonDocuments_a_truncated_object_does_not_swallow_the_object_on_the_next_line(int chunk)
    {
        var input = "{\"a\": 1, \"b\":\n{\"a\": 2}\n{\"a\": 3}";
        var items = await ReadAllAsync(Encoding.UTF8.GetBytes(input), RecordFraming.JsonDocuments, chunk);

        Assert.Equal(
            [(1L, "{\"a\": 1, \"b\":", true), (2L, "{\"a\": 2}", false), (3L, "{\"a\": 3}", false)],
            items.Select(i => (i.Line, i.Text, i.Reason is not null)));
    }

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public async Task JsonDocuments_rejects_values_that_are_not_objects_exactly_and_garbage_up_to_the_next_object(int chunk)
    {
        var input = "[1, {\"a\": 2}]\n\"text\" 42\ngarbage here\nmore garbage\n  {\"a\": 5}\n";
        var items = await ReadAllAsync(Encoding.UTF8.GetBytes(input), RecordFraming.JsonDocuments, chunk);

        Assert.Equal(
            [
                (1L, "[1, {\"a\": 2}]", "not a JSON object (found an array)"),
                (2L, "\"text\"", "not a JSON object (found a string)"),
                (2L, "42", "not a JSON object (found a number)"),
            ],
            items.Take(3).Select(i => (i.Line, i.Text, i.Reason)));
        Assert.Equal(3, items[3].Line);
        Assert.Equal("garbage here\nmore garbage", items[3].Text);
        Assert.StartsWith("malformed JSON", items[3].Reason);
        Assert.Equal((5L, "{\"a\": 5}", (string?)null), (items[4].Line, items[4].Text, items[4].Reason));
        Assert.Equal(5, items.Count);
    }

    [Fact]
    public async Task JsonDocuments_a_truncated_last_object_is_rejected()
    {
        var items = await ReadAllAsync("{\"a\": 1}\n{\"a\": "u8.ToArray(), RecordFraming.JsonDocuments, chunk: 4);

        Assert.Equal(2, items.Count);
        Assert.Equal((2L, "{\"a\":"), (items[1].Line, items[1].Text));
        Assert.StartsWith("malformed JSON", items[1].Reason);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_record_over_4_MB_is_rejected_with_its_first_kilobyte_and_reading_goes_on(bool documents)
    {
        var framing = documents ? RecordFraming.JsonDocuments : RecordFraming.JsonLines;
        var huge = "{\"a\": \"" + new string('x', JsonRecordReader.MaxRecordBytes) + "\"}";
        var input = Encoding.UTF8.GetBytes("{\"a\": 1}\n" + huge + "\n{\"a\": 2}\n");
        var items = await ReadAllAsync(input, framing, chunk: 1 << 16);

        Assert.Equal(3, items.Count);
        Assert.Equal(2, items[1].Line);
        Assert.Contains("4 MB", items[1].Reason);
        Assert.Equal(JsonRecordReader.RawBytes, items[1].Text.Length);
        Assert.Equal((3L, "{\"a\": 2}", (string?)null), (items[2].Line, items[2].Text, items[2].Reason));
    }

    [Fact]
    public async Task Records_just_under_the_limit_are_read_whole()
    {
        var big = "{\"a\": \"" + new string('y', JsonRecordReader.MaxRecordBytes - 16) + "\"}";
        var items = await ReadAllAsync(Encoding.UTF8.GetBytes(big + "\n" + big), RecordFraming.JsonDocuments, chunk: 1 << 16);

        Assert.Equal([big, big], items.Select(i => i.Text));
        Assert.All(items, i => Assert.Null(i.Reason));
    }
}
