using System.IO.Compression;
using System.Xml.Linq;
using Npgsql;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Packaging;

/// <summary>What a consumer gets from <c>dotnet pack</c>: a library package and the <c>sparkify</c> tool.</summary>
public sealed class PackageTests(PackedArtifacts packages) : IClassFixture<PackedArtifacts>
{
    [Fact]
    public void Pack_makes_the_library_with_readme_docs_license_repository_and_symbols_and_the_tool_and_nothing_else()
    {
        Assert.Equal(
            [$"Sparkify.Warehouse.{packages.Version}.nupkg", $"Sparkify.Warehouse.{packages.Version}.snupkg",
             $"Sparkify.Warehouse.Cli.{packages.Version}.nupkg", $"Sparkify.Warehouse.Cli.{packages.Version}.snupkg"],
            Directory.GetFiles(packages.Feed).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        using var library = ZipFile.OpenRead(Package("Sparkify.Warehouse", "nupkg"));
        var nuspec = Nuspec(library);
        Assert.Equal(("expression", "MIT"), (Attribute(nuspec, "license", "type"), Element(nuspec, "license")));
        Assert.Equal("README.md", Element(nuspec, "readme"));
        Assert.Equal("git", Attribute(nuspec, "repository", "type"));
        Assert.StartsWith("https://", Attribute(nuspec, "repository", "url"), StringComparison.Ordinal);
        Assert.Equal(Readme.Text, ReadEntry(library, "README.md").ReplaceLineEndings("\n"));
        Assert.Contains("lib/net10.0/Sparkify.Warehouse.dll", Entries(library));
        Assert.Contains("<member name=\"M:Microsoft.Extensions.DependencyInjection.WarehouseServiceCollectionExtensions.AddSparkifyWarehouse", ReadEntry(library, "lib/net10.0/Sparkify.Warehouse.xml"), StringComparison.Ordinal);

        // The design-time assembly and its helpers are referenced privately; none may reach consumers.
        var dependencies = nuspec.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string)e.Attribute("id")!).ToList();
        Assert.Contains("Npgsql.EntityFrameworkCore.PostgreSQL", dependencies);
        Assert.Contains("AWSSDK.S3", dependencies);
        Assert.DoesNotContain(dependencies, id => id.StartsWith("Microsoft.EntityFrameworkCore.Design", StringComparison.Ordinal)
            || id is "Humanizer.Core" or "Mono.TextTemplating" or "Microsoft.CodeAnalysis.CSharp.Workspaces" or "Microsoft.SourceLink.GitHub");
        Assert.DoesNotContain(Entries(library), e => e.Contains("Design", StringComparison.Ordinal));

        using var symbols = ZipFile.OpenRead(Package("Sparkify.Warehouse", "snupkg"));
        Assert.Contains("lib/net10.0/Sparkify.Warehouse.pdb", Entries(symbols));

        using var tool = ZipFile.OpenRead(Package("Sparkify.Warehouse.Cli", "nupkg"));
        var toolSpec = Nuspec(tool);
        Assert.Equal("DotnetTool", Attribute(toolSpec, "packageType", "name"));
        Assert.DoesNotContain(toolSpec.Descendants(), e => e.Name.LocalName == "dependency");
        var command = XDocument.Parse(ReadEntry(tool, "tools/net10.0/any/DotnetToolSettings.xml")).Descendants("Command").Single();
        Assert.Equal(("sparkify", "sparkify.dll"), ((string)command.Attribute("Name")!, (string)command.Attribute("EntryPoint")!));
        Assert.Contains("tools/net10.0/any/appsettings.json", Entries(tool));
    }

    [Fact]
    public async Task The_tool_installs_from_the_folder_feed_and_runs_from_its_tool_path()
    {
        var toolPath = Path.Combine(packages.Folder, "tools");
        var install = await PackedArtifacts.InstallToolAsync(packages.Feed, packages.Version, toolPath, Path.Combine(packages.Folder, "tool-install"));
        Assert.True(install.ExitCode == 0, install.ToString());

        var sparkify = Path.Combine(toolPath, "sparkify");
        var help = await ProcessRunner.RunAsync(sparkify, ["--help"], workingDirectory: packages.Folder, environment: PackedArtifacts.QuietDotnet());
        Assert.True(help.ExitCode == 0, help.ToString());
        Assert.Contains("Usage:\n  sparkify [command] [options]", help.Out.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("migrate", help.Out, StringComparison.Ordinal);

        // The installed tool builds the EF model and the Redshift DDL without the design-time assembly.
        var script = await ProcessRunner.RunAsync(sparkify, ["migrate", "--script", "--provider", "redshift"], workingDirectory: packages.Folder, environment: PackedArtifacts.QuietDotnet());
        Assert.True(script.ExitCode == 0, script.ToString());
        Assert.Contains("DISTSTYLE", script.Out, StringComparison.Ordinal);
    }

    /// <summary>
    /// The README's quick start, compiled as a console app that references the library as a package
    /// from the folder feed (plus the normal source for its dependencies), run against a throwaway
    /// database with the real sample: it migrates, loads, and runs the LevelComparison query helper.
    /// </summary>
    [Fact]
    public async Task The_readme_quick_start_builds_against_the_package_and_migrates_loads_and_queries()
    {
        var app = Directory.CreateDirectory(Path.Combine(packages.Folder, "consumer")).FullName;
        await File.WriteAllTextAsync(Path.Combine(app, "Directory.Build.props"), "<Project />\n");
        await File.WriteAllTextAsync(Path.Combine(app, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="sparkify-local" value="{packages.Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
            </configuration>
            """);
        await File.WriteAllTextAsync(Path.Combine(app, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Sparkify.Warehouse" Version="{packages.Version}" />
                <PackageReference Include="Microsoft.Extensions.Hosting" Version="10.0.14" />
              </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), Readme.CodeBlock("Quick start (library)", "csharp"));
        var connectionString = await TestPostgres.CreateDatabaseAsync("consumer");
        try
        {
            var environment = PackedArtifacts.QuietDotnet();
            environment["Sparkify__ConnectionString"] = connectionString;
            environment["Logging__LogLevel__Default"] = "Warning";
            // EF Core logs the failed probe of the history table when it first migrates an empty database.
            environment["Logging__LogLevel__Microsoft.EntityFrameworkCore.Database.Command"] = "None";

            var run = await ProcessRunner.RunAsync("dotnet", ["run", "--project", "Consumer.csproj", "--", TestEnvironment.SampleSongs, TestEnvironment.SampleLogs],
                workingDirectory: app, environment: environment, timeout: TimeSpan.FromMinutes(8));

            Assert.True(run.ExitCode == 0, run.ToString());
            var expected = await PlaysAndUsersByLevelAsync(connectionString);
            Assert.Equal(6820L, expected.Values.Sum(v => v.Plays));
            Assert.Equal(
                ["6820 song plays loaded", .. expected.Select(level => $"{level.Key}: {level.Value.Plays} plays by {level.Value.Users} users")],
                run.Out.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(connectionString);
        }
    }

    private static async Task<SortedDictionary<string, (long Plays, long Users)>> PlaysAndUsersByLevelAsync(string connectionString)
    {
        var levels = new SortedDictionary<string, (long, long)>(StringComparer.Ordinal);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT level, COUNT(*), COUNT(DISTINCT user_id) FROM songplays GROUP BY level", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            levels.Add(reader.GetString(0), (reader.GetInt64(1), reader.GetInt64(2)));
        }

        return levels;
    }

    private string Package(string id, string extension) => Path.Combine(packages.Feed, $"{id}.{packages.Version}.{extension}");

    private static IEnumerable<string> Entries(ZipArchive archive) => archive.Entries.Select(e => e.FullName);

    private static string ReadEntry(ZipArchive archive, string name)
    {
        using var reader = new StreamReader(archive.GetEntry(name)?.Open() ?? throw new InvalidOperationException($"{name} is not in the package."));
        return reader.ReadToEnd();
    }

    private static XElement Nuspec(ZipArchive archive)
        => XDocument.Parse(ReadEntry(archive, archive.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).FullName)).Root!;

    private static string? Element(XElement nuspec, string name) => nuspec.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value;

    private static string? Attribute(XElement nuspec, string element, string attribute)
        => (string?)nuspec.Descendants().FirstOrDefault(e => e.Name.LocalName == element)?.Attribute(attribute);
}
