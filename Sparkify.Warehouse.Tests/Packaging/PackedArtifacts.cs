using System.Globalization;
using System.Reflection;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Packaging;

/// <summary>
/// Packs the solution once per test class into a throwaway folder feed, under a version no real
/// release has, so nothing stale in the NuGet caches can stand in for what was just built. The projects
/// are already built for this test run, so packing does not build them again.
/// </summary>
public sealed class PackedArtifacts : IAsyncLifetime
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("sparkify-pack-").FullName;

    public string Feed => Path.Combine(Folder, "feed");

    public string Version { get; } = "0.0.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);

    public async Task InitializeAsync()
    {
        var configuration = typeof(PackedArtifacts).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var pack = await ProcessRunner.RunAsync("dotnet",
            ["pack", "Sparkify.sln", "--no-build", "--no-restore", "-c", configuration, "-o", Feed, $"-p:Version={Version}", "-nologo"],
            environment: QuietDotnet(), timeout: TimeSpan.FromMinutes(5));
        Assert.True(pack.ExitCode == 0, pack.ToString());
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Folder, recursive: true);
        DeleteFromGlobalPackages(Version, "sparkify.warehouse", "sparkify.warehouse.cli");
        return Task.CompletedTask;
    }

    /// <summary>
    /// <c>dotnet tool install</c> of the tool from <paramref name="feed"/> into <paramref name="toolPath"/>. The tool
    /// package carries everything it needs, so the folder feed is the only source: the install works the same
    /// with or without a network.
    /// </summary>
    internal static async Task<CliResult> InstallToolAsync(string feed, string version, string toolPath, string workingDirectory)
    {
        Directory.CreateDirectory(workingDirectory);
        await File.WriteAllTextAsync(Path.Combine(workingDirectory, "NuGet.config"), """
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
              </packageSources>
            </configuration>
            """);
        return await ProcessRunner.RunAsync("dotnet",
            ["tool", "install", "--tool-path", toolPath, "--add-source", feed, "Sparkify.Warehouse.Cli", "--version", version],
            workingDirectory: workingDirectory, environment: QuietDotnet(), timeout: TimeSpan.FromMinutes(3));
    }

    /// <summary>Restores and tool installs extract a test version into the global packages folder; this removes it.</summary>
    public static void DeleteFromGlobalPackages(string version, params string[] ids)
    {
        var globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in ids)
        {
            var extracted = Path.Combine(globalPackages, id, version);
            if (Directory.Exists(extracted))
            {
                Directory.Delete(extracted, recursive: true);
            }
        }
    }

    /// <summary>The environment for child <c>dotnet</c> commands: no banners, no telemetry, no inherited warehouse settings.</summary>
    public static Dictionary<string, string?> QuietDotnet() => new()
    {
        ["DOTNET_NOLOGO"] = "1",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
        ["SPARKIFY_CONNECTION"] = null,
    };
}
