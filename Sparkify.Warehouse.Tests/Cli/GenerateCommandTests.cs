using Sparkify.Warehouse.Tests.Generation;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Cli;

[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class GenerateCommandTests
{
    [Fact]
    public async Task Generate_writes_the_dataset_and_prints_a_one_line_summary()
    {
        var folder = TempFolder.NewPath("cli-gen");
        try
        {
            var result = await CliRunner.RunAsync("generate", "--out", folder, "--songs", "25", "--events", "400", "--days", "3", "--seed", "5", "--start", "2018-11-10");

            Assert.True(result.ExitCode == 0, result.ToString());
            var line = Assert.Single(result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("Generated 25 song files, 3 log files and 400 events (", line, StringComparison.Ordinal);
            var bytes = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Sum(p => new FileInfo(p).Length);
            Assert.Contains($"{bytes:N0} bytes", line, StringComparison.Ordinal);
            Assert.Equal(25, Directory.GetFiles(Path.Combine(folder, "song_data"), "*.json", SearchOption.AllDirectories).Length);
            Assert.True(File.Exists(Path.Combine(folder, "log_data", "2018", "11", "2018-11-12-events.json")));
            Assert.True(File.Exists(Path.Combine(folder, "log_json_path.json")));

            // A second run needs --force, and then gives the same bytes.
            var before = GeneratedData.Snapshot(folder);
            var refused = await CliRunner.RunAsync("generate", "--out", folder, "--songs", "25", "--events", "400", "--days", "3", "--seed", "5", "--start", "2018-11-10");
            Assert.Equal(2, refused.ExitCode);
            Assert.Contains("--force", refused.Error, StringComparison.Ordinal);
            var forced = await CliRunner.RunAsync("generate", "--out", folder, "--songs", "25", "--events", "400", "--days", "3", "--seed", "5", "--start", "2018-11-10", "--force");
            Assert.True(forced.ExitCode == 0, forced.ToString());
            var after = GeneratedData.Snapshot(folder);
            Assert.Equal(before.Keys, after.Keys);
            Assert.All(before, f => Assert.Equal(f.Value, after[f.Key]));
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    [Theory]
    [InlineData("--songs", "-1", "--songs must be 0 or more")]
    [InlineData("--events", "-5", "--events must be 0 or more")]
    [InlineData("--days", "0", "--days must be between 1 and 3660")]
    [InlineData("--days", "5000", "--days must be between 1 and 3660")]
    [InlineData("--start", "11/01/2018", "--start must be a date like 2018-11-01")]
    [InlineData("--songs", "many", "--songs must be a whole number 0 or more, not 'many'")]
    [InlineData("--events", "3000000000", "--events must be a whole number 0 or more")]
    [InlineData("--seed", "x", "x")]
    public async Task Invalid_options_exit_2_with_a_clear_message_and_write_nothing(string option, string value, string message)
    {
        var folder = TempFolder.NewPath("cli-gen-bad");
        var result = await CliRunner.RunAsync("generate", "--out", folder, option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public async Task Out_is_required_and_must_not_be_a_file_or_a_non_empty_folder()
    {
        var missing = await CliRunner.RunAsync("generate", "--songs", "1");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--out", missing.Error, StringComparison.Ordinal);

        var folder = TempFolder.NewPath("cli-gen-busy");
        try
        {
            Directory.CreateDirectory(folder);
            var file = Path.Combine(folder, "existing.txt");
            await File.WriteAllTextAsync(file, "keep me");

            var intoFile = await CliRunner.RunAsync("generate", "--out", file);
            Assert.Equal(2, intoFile.ExitCode);
            Assert.Contains("is a file", intoFile.Error, StringComparison.Ordinal);

            var nonEmpty = await CliRunner.RunAsync("generate", "--out", folder, "--songs", "3", "--events", "10");
            Assert.Equal(2, nonEmpty.ExitCode);
            Assert.Contains("is not empty", nonEmpty.Error, StringComparison.Ordinal);
            Assert.Equal(["existing.txt"], Directory.GetFileSystemEntries(folder).Select(Path.GetFileName));

            var past = await CliRunner.RunAsync("generate", "--out", Path.Combine(folder, "late"), "--start", "9999-12-20", "--days", "30");
            Assert.Equal(2, past.ExitCode);
            Assert.Contains("9999", past.Error, StringComparison.Ordinal);
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }
}
