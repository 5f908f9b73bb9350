using Sparkify.Warehouse.LocalServer;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Cli;

public sealed class DemoCommandTests
{
    [Fact]
    public async Task Demo_runs_the_main_job_on_a_fresh_home_with_no_configuration()
    {
        var home = Path.Combine(Path.GetTempPath(), $"sparkify-demo-{Guid.NewGuid():N}");
        var environment = new Dictionary<string, string?>
        {
            ["SPARKIFY_HOME"] = home,
            ["SPARKIFY_CONNECTION"] = null,
            ["ConnectionStrings__Warehouse"] = null,
            ["Sparkify__ConnectionString"] = null,
        };
        try
        {
            var demo = await SparkifyProcess.RunAsync(environment, "demo", "--songs", "120", "--events", "3000");

            Assert.True(demo.ExitCode == 0, demo.ToString());
            Assert.Contains("embedded PostgreSQL, database sparkify_demo", demo.Out, StringComparison.Ordinal);
            Assert.Matches(@"load succeeded", demo.Out);
            Assert.Matches(@"events staged\s*│\s*3,000", demo.Out);
            Assert.Contains("top-songs:", demo.Out, StringComparison.Ordinal);
            Assert.Contains("level-comparison:", demo.Out, StringComparison.Ordinal);
            Assert.Matches(@"23h\s+█", demo.Out);
            Assert.True(File.Exists(Path.Combine(home, "pgdata", "PG_VERSION")));

            // It ends with the report of the demo data, written where it says.
            var report = Path.Combine(home, "demo-report.html");
            Assert.Contains($"Report: {report}", demo.Out, StringComparison.Ordinal);
            var html = await File.ReadAllTextAsync(report);
            Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
            Assert.Contains("<title>Sparkify demo report</title>", html, StringComparison.Ordinal);
            var inserted = System.Text.RegularExpressions.Regex.Match(demo.Out, @"songplays inserted\s*│\s*([\d,]+)").Groups[1].Value;
            Assert.Contains($"data-metric=\"plays\"><dt>Plays</dt><dd><span class=\"value\">{inserted}</span>", html, StringComparison.Ordinal);

            // A second demo reuses the server and, the load being idempotent, inserts nothing new.
            var again = await SparkifyProcess.RunAsync(environment, "demo", "--songs", "120", "--events", "3000");
            Assert.True(again.ExitCode == 0, again.ToString());
            Assert.Matches(@"songplays inserted\s*│\s*0\s", again.Out);
        }
        finally
        {
            await new LocalPostgresServer(home).DeleteAsync();
        }
    }
}
