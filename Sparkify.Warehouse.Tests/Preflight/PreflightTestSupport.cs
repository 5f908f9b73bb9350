using System.Globalization;
using Sparkify.Warehouse.Preflight;

namespace Sparkify.Warehouse.Tests.Preflight;

/// <summary>Shared helpers of the preflight tests: running the checks and what the raw sample holds.</summary>
internal static class PreflightTestSupport
{
    /// <summary>The check names in the order a report lists them.</summary>
    public static readonly string[] CheckNames = ["connection", "server", "migrations", "privileges", "songs", "events", "jsonpaths", "iam-role"];

    public static Task<PreflightReport> RunAsync(WarehouseOptions options, PreflightRequest? request = null)
        => WarehousePreflight.RunAsync(options, request ?? new PreflightRequest());

    public static PreflightCheck Check(this PreflightReport report, string name) => report.Checks.Single(c => c.Name == name);

    /// <summary>Asserts the status, with the whole report in the message when it differs.</summary>
    public static PreflightCheck AssertStatus(this PreflightReport report, string name, PreflightStatus status)
    {
        var check = report.Check(name);
        Assert.True(check.Status == status, $"{name}: expected {status}\n{Describe(report)}");
        Assert.True(status == PreflightStatus.Pass ? check.Fix is null : !string.IsNullOrWhiteSpace(check.Fix) || status == PreflightStatus.Skip, $"{name}: fix '{check.Fix}'");
        return check;
    }

    public static string Describe(PreflightReport report) => string.Join('\n', report.Checks.Select(c => $"{c.Status} {c.Name}: {c.Detail} | fix: {c.Fix}"));

    /// <summary>"N files, B bytes" of the *.json files under a folder, counted straight from the file system.</summary>
    public static string RawFilesAndBytes(string folder)
    {
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Where(f => f.EndsWith(".json", StringComparison.Ordinal)).ToList();
        var bytes = files.Sum(f => new FileInfo(f).Length);
        return string.Create(CultureInfo.InvariantCulture, $"{files.Count:N0} files, {bytes:N0} bytes");
    }
}
