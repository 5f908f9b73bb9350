namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>
/// The repository's README as tests see it: its sections, its code blocks, and the blocks generated from
/// the code (between <c>&lt;!-- generated:NAME --&gt;</c> and <c>&lt;!-- /generated:NAME --&gt;</c>),
/// which a test compares with what the code says now.
/// </summary>
internal static class Readme
{
    /// <summary>Set to 1 to have the README tests rewrite out-of-date generated blocks instead of failing.</summary>
    public const string UpdateVariable = "SPARKIFY_UPDATE_README";

    public const string RegenerateCommand = UpdateVariable + "=1 dotnet test Sparkify.Warehouse.Tests --filter FullyQualifiedName~ReadmeTests";

    public static string Path { get; } = System.IO.Path.Combine(TestEnvironment.RepositoryRoot, "README.md");

    private static readonly Lock WriteGate = new();

    public static string Text => File.ReadAllText(Path).ReplaceLineEndings("\n");

    /// <summary>The text of the <c>## heading</c> section, up to the next <c>## </c> heading.</summary>
    public static string Section(string heading)
    {
        var text = Text;
        var start = text.IndexOf("\n## " + heading + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"README.md has no '## {heading}' section.");
        var end = text.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return end < 0 ? text[start..] : text[start..end];
    }

    /// <summary>The first <c>```language</c> block of the <c>## heading</c> section, without the indentation of its fence.</summary>
    public static string CodeBlock(string heading, string language)
    {
        var blocks = CodeBlocks(heading, language);
        Assert.True(blocks.Count > 0, $"README.md's '{heading}' section has no ```{language} block.");
        return blocks[0];
    }

    /// <summary>Every <c>```language</c> block of the <c>## heading</c> section, in order, without the indentation of its fence.</summary>
    public static IReadOnlyList<string> CodeBlocks(string heading, string language)
    {
        var lines = Section(heading).Split('\n');
        var blocks = new List<string>();
        for (var open = Array.FindIndex(lines, line => line.Trim() == "```" + language); open >= 0; open = Array.FindIndex(lines, open + 1, line => line.Trim() == "```" + language))
        {
            var indent = lines[open].Length - lines[open].TrimStart().Length;
            var close = Array.FindIndex(lines, open + 1, line => line.Trim() == "```");
            Assert.True(close > open, $"README.md's '{heading}' section has an unclosed ```{language} block.");
            blocks.Add(string.Concat(lines[(open + 1)..close].Select(line => (line.Length >= indent ? line[indent..] : line.TrimStart()) + "\n")));
            open = close;
        }

        return blocks;
    }

    /// <summary>
    /// Passes when the generated block <paramref name="name"/> is <paramref name="expected"/>; otherwise
    /// fails with the expected text and the one command that regenerates every block, or, with
    /// <see cref="UpdateVariable"/>=1, rewrites the block.
    /// </summary>
    public static void AssertGenerated(string name, string expected)
    {
        var open = $"<!-- generated:{name} -->";
        var close = $"<!-- /generated:{name} -->";
        var wanted = "\n" + expected.ReplaceLineEndings("\n").Trim('\n') + "\n";
        lock (WriteGate)
        {
            var text = Text;
            var start = text.IndexOf(open, StringComparison.Ordinal);
            var end = text.IndexOf(close, StringComparison.Ordinal);
            Assert.True(start >= 0 && end > start, $"README.md has no {open} ... {close} block.");
            start += open.Length;
            if (text[start..end] == wanted)
            {
                return;
            }

            if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
            {
                File.WriteAllText(Path, text[..start] + wanted + text[end..]);
                return;
            }

            Assert.Fail($"README.md's generated block '{name}' is out of date. Regenerate it with\n\n    {RegenerateCommand}\n\nExpected block:\n{wanted}");
        }
    }
}
