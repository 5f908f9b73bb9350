using System.Globalization;
using System.IO.Compression;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Xml.Linq;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Packaging;

/// <summary>
/// The tool as a Release pack makes it for users: a small package that names one package per platform,
/// which carries its runtime and whose code is precompiled (ReadyToRun, one composite image), and
/// <c>dotnet tool install</c> picks the one for the machine.
/// </summary>
public sealed class ReleaseToolPackageTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sparkify-release-pack-").FullName;
    private readonly string _version = "0.0.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_release_pack_makes_a_precompiled_package_for_this_platform_that_the_tool_install_picks_and_runs()
    {
        var platform = RuntimeInformation.RuntimeIdentifier;
        var feed = Path.Combine(_folder, "feed");

        // This machine's platform alone, to keep the test to one precompilation (the project lists several
        // and the portable fallback). Its own artifacts folder keeps the worktree's obj/ and bin/ untouched.
        var pack = await ProcessRunner.RunAsync("dotnet",
            ["pack", "Sparkify.Warehouse.Cli", "-c", "Release", "-o", feed, "--artifacts-path", Path.Combine(_folder, "artifacts"),
             $"-p:Version={_version}", $"-p:RuntimeIdentifiers={platform}", "-nologo"],
            environment: PackedArtifacts.QuietDotnet(), timeout: TimeSpan.FromMinutes(15));
        Assert.True(pack.ExitCode == 0, pack.ToString());

        var platformPackage = $"Sparkify.Warehouse.Cli.{platform}";
        Assert.Equal(
            [$"Sparkify.Warehouse.Cli.{_version}.nupkg", $"{platformPackage}.{_version}.nupkg", $"{platformPackage}.{_version}.snupkg"],
            Directory.GetFiles(feed).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using (var pointer = ZipFile.OpenRead(Path.Combine(feed, $"Sparkify.Warehouse.Cli.{_version}.nupkg")))
        {
            using var settings = pointer.GetEntry("tools/any/any/DotnetToolSettings.xml")!.Open();
            var packages = XDocument.Load(settings).Descendants("RuntimeIdentifierPackage")
                .Select(p => ((string)p.Attribute("RuntimeIdentifier")!, (string)p.Attribute("Id")!));
            Assert.Equal([(platform, platformPackage)], packages);
            Assert.DoesNotContain(pointer.Entries, e => e.FullName.EndsWith(".dll", StringComparison.Ordinal));
        }

        var toolPath = Path.Combine(_folder, "tools");
        var install = await PackedArtifacts.InstallToolAsync(feed, _version, toolPath, Path.Combine(_folder, "install"));
        Assert.True(install.ExitCode == 0, install.ToString());

        // What start-up spends its CPU on: the tool, EF Core, Npgsql and the host, each precompiled, together
        // with the runtime the package carries, into one composite image.
        var installed = Directory.GetFiles(toolPath, "sparkify.dll", SearchOption.AllDirectories).Single();
        Assert.Contains($"{Path.DirectorySeparatorChar}{platform}{Path.DirectorySeparatorChar}", installed, StringComparison.Ordinal);
        var directory = Path.GetDirectoryName(installed)!;
        Assert.True(File.Exists(Path.Combine(directory, "System.Private.CoreLib.dll")), "The platform package does not carry its runtime.");
        Assert.True(IsPrecompiled(Path.Combine(directory, "sparkify.r2r.dll")), "No composite ReadyToRun image.");
        foreach (var assembly in new[] { "sparkify.dll", "Sparkify.Warehouse.dll", "Microsoft.EntityFrameworkCore.dll", "Microsoft.EntityFrameworkCore.Relational.dll", "Npgsql.dll", "Microsoft.Extensions.Hosting.dll", "System.Private.CoreLib.dll" })
        {
            Assert.True(IsPrecompiled(Path.Combine(directory, assembly)), $"{assembly} is not ReadyToRun.");
        }

        var help = await ProcessRunner.RunAsync(Path.Combine(toolPath, "sparkify"), ["--help"], workingDirectory: _folder, environment: PackedArtifacts.QuietDotnet());
        Assert.True(help.ExitCode == 0, help.ToString());
        Assert.Contains("Usage:\n  sparkify [command] [options]", help.Out.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Directory.Delete(_folder, recursive: true);
        PackedArtifacts.DeleteFromGlobalPackages(_version, "sparkify.warehouse.cli", $"sparkify.warehouse.cli.{RuntimeInformation.RuntimeIdentifier}");
    }

    /// <summary>A ReadyToRun image carries a managed native header next to its IL; a plain IL assembly does not.</summary>
    private static bool IsPrecompiled(string path)
    {
        using var reader = new PEReader(File.OpenRead(path));
        return reader.PEHeaders.CorHeader is { ManagedNativeHeaderDirectory.Size: > 0 };
    }
}
