using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Cli;

/// <summary>
/// <c>sparkify report</c>'s failures: bad options are refused before anything connects, and a report
/// that fails part way leaves neither a partial file nor a temporary one, and an older report intact.
/// (The page itself is checked in the browser by ReportBrowserTests.)
/// </summary>
public sealed class ReportCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sparkify-report-cli-").FullName;

    public static TheoryData<string[], string> BadOptions => new()
    {
        { [], "Name the file to write: sparkify report --out report.html" },
        { ["--out", "no-such-folder/report.html"], "The folder of --out 'no-such-folder/report.html' does not exist" },
        { ["--out", "."], "is a folder; name the file to write" },
        { ["--out", "r.html", "--from", "yesterday"], "--from 'yesterday' is not a date or time" },
        { ["--out", "r.html", "--from", "2018-11-10", "--to", "2018-11-10"], "must be before --to" },
        { ["--out", "r.html", "--level", "gold"], "Unknown level 'gold'. Accepted: free, paid." },
        { ["--out", "r.html", "--provider", "mysql"], "Unknown provider 'mysql'" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public async Task Bad_options_exit_2_with_a_clear_message_and_write_nothing(string[] options, string message)
    {
        var relative = options.Select(o => o.EndsWith(".html", StringComparison.Ordinal) && !o.Contains('/', StringComparison.Ordinal) ? Path.Combine(_folder, o) : o).ToArray();

        // Nothing is listening here: an option that slipped past validation would fail differently.
        var run = await CliRunner.RunAsync(["report", .. relative, "--connection", "Host=127.0.0.1;Port=1;Database=none;Username=none;Timeout=2"]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_folder));
    }

    [Fact]
    public async Task A_report_that_fails_part_way_leaves_no_file_and_keeps_the_old_report()
    {
        // A database without the warehouse tables: the connection works, the first query fails.
        var unmigrated = await TestPostgres.CreateDatabaseAsync("nomig");
        try
        {
            var target = Path.Combine(_folder, "report.html");
            var fresh = await CliRunner.RunAsync("report", "--out", target, "--connection", unmigrated);
            Assert.True(fresh.ExitCode == 1, fresh.ToString());
            Assert.Contains("songplays", fresh.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", fresh.Error, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(_folder));

            await File.WriteAllTextAsync(target, "the previous report");
            var again = await CliRunner.RunAsync("report", "--out", target, "--connection", unmigrated);
            Assert.Equal(1, again.ExitCode);
            Assert.Equal("the previous report", await File.ReadAllTextAsync(target));
            Assert.Equal([target], Directory.EnumerateFileSystemEntries(_folder));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(unmigrated);
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
