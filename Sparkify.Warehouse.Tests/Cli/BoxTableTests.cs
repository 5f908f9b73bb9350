using Sparkify.Warehouse.Cli.Output;

namespace Sparkify.Warehouse.Tests.Cli;

/// <summary>
/// <see cref="BoxTable"/> draws what Spectre.Console draws for the same table (Spectre is the
/// reference implementation here), and leaves to Spectre what it cannot draw on one line per row.
/// </summary>
public sealed class BoxTableTests
{
    private const int Width = 200;

    public static TheoryData<string> Cases => ["numbers and text", "nulls", "no rows", "one row", "wide and accented characters", "generated"];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Draws_the_same_characters_as_Spectre(string name)
    {
        foreach (var (headers, rows, rightAligned) in Tables(name))
        {
            var drawn = new StringWriter();
            Assert.True(BoxTable.TryWrite(headers, rows, rightAligned, Width, ansi: false, drawn));
            Assert.Equal(Spectre(headers, rows, rightAligned), drawn.ToString());
        }
    }

    [Fact]
    public void A_table_wider_than_the_output_is_left_to_Spectre()
    {
        string[] headers = ["a", "b"];
        var rows = new[] { new string?[] { new('x', 100), new('y', 95) } };
        var drawn = new StringWriter();

        // 100 + 95 + 3 * 2 + 1 = 202 cells; at 202 it fits, at 201 it does not.
        Assert.False(BoxTable.TryWrite(headers, rows, [false, false], 201, ansi: false, drawn));
        Assert.Equal("", drawn.ToString());
        Assert.True(BoxTable.TryWrite(headers, rows, [false, false], 202, ansi: false, drawn));
    }

    [Fact]
    public void Output_that_is_not_a_terminal_keeps_every_row_on_one_line_however_wide()
    {
        // Wider than any terminal width the writer could assume (Spectre would wrap it at 200 columns).
        string[] headers = ["file", "bytes"];
        var rows = Enumerable.Range(0, 3).Select(i => new string?[] { $"s3://bucket/{new string('k', 400)}/{i}.json", $"{i * 1000:N0}" }).ToArray();
        var drawn = new StringWriter();

        QueryResultWriter.WriteTable(headers, rows, [false, true], drawn);

        var lines = drawn.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(rows.Length + 4, lines.Length); // top border, header, rule, rows, bottom border
        Assert.Single(lines.Select(line => line.Length).Distinct());
        Assert.Equal(rows[0][0]!.Length + "bytes".Length + (3 * 2) + 1, lines[0].Length);
        Assert.Equal(Spectre(headers, rows, [false, true], rows[0][0]!.Length + 100), drawn.ToString());
    }

    [Theory]
    [InlineData("two\nlines")]
    [InlineData("a\ttab")]
    [InlineData("carriage\rreturn")]
    public void A_cell_with_a_control_character_is_left_to_Spectre(string cell)
    {
        var drawn = new StringWriter();
        Assert.False(BoxTable.TryWrite(["h"], [[cell]], [false], Width, ansi: false, drawn));
        Assert.Equal("", drawn.ToString());
    }

    [Fact]
    public void Nulls_are_dimmed_when_the_output_takes_ANSI_styles()
    {
        var drawn = new StringWriter();
        Assert.True(BoxTable.TryWrite(["h"], [[null]], [false], Width, ansi: true, drawn));
        Assert.Contains("│ \u001b[2mnull\u001b[0m │", drawn.ToString(), StringComparison.Ordinal);
    }

    private static string Spectre(IReadOnlyList<string> headers, IReadOnlyList<string?[]> rows, bool[] rightAligned, int width = Width)
    {
        var output = new StringWriter();
        var console = Terminal.For(output);
        console.Profile.Width = width;
        console.Write(QueryResultWriter.SpectreTable(headers, rows, rightAligned));
        return output.ToString();
    }

    private static IEnumerable<(string[] Headers, string?[][] Rows, bool[] RightAligned)> Tables(string name)
    {
        switch (name)
        {
            case "numbers and text":
                yield return (["level", "users", "plays", "plays_per_user"], [["free", "82", "1229", "14.99"], ["paid", "22", "5591", "254.14"]], [false, true, true, true]);
                break;
            case "nulls":
                yield return (["song_id", "title", "plays"], [[null, "Intro", "3"], ["SOABC", null, null]], [false, false, true]);
                break;
            case "no rows":
                yield return (["date", "users"], [], [false, false]);
                break;
            case "one row":
                yield return (["a"], [["1"]], [true]);
                break;
            case "wide and accented characters":
                yield return (["artist", "title"], [["Beyoncé", "Café del Mar"], ["宇多田ヒカル", "First Love"], ["Sigur Rós", "Hoppípolla"]], [false, false]);
                break;
            default:
                var random = new Random(15);
                for (var table = 0; table < 25; table++)
                {
                    var columns = random.Next(1, 7);
                    var headers = Enumerable.Range(0, columns).Select(c => new string((char)('a' + c), random.Next(1, 12))).ToArray();
                    var rightAligned = Enumerable.Range(0, columns).Select(_ => random.Next(2) == 0).ToArray();
                    var rows = Enumerable.Range(0, random.Next(0, 8))
                        .Select(_ => Enumerable.Range(0, columns).Select(c => random.Next(6) == 0 ? null : Word(random, rightAligned[c])).ToArray())
                        .ToArray();
                    yield return (headers, rows, rightAligned);
                }

                break;
        }
    }

    private static string Word(Random random, bool number)
        => number
            ? random.Next(0, 10_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : new string(Enumerable.Range(0, random.Next(0, 25)).Select(_ => Alphabet[random.Next(Alphabet.Length)]).ToArray());

    private const string Alphabet = "abcdefgh ÉéüñøXYZ-_.'";
}
