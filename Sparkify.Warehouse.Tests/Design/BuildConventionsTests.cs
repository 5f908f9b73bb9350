using System.Reflection;
using System.Xml.Linq;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Design;

/// <summary>
/// The build is what enforces the conventions and the public API baseline; these checks make sure it
/// still does (building a sample project per rule would take minutes): warnings are errors, code style
/// is checked in the build, the API analyzer reads both baseline files and reports an unrecorded change
/// as an error, the CLI reaches no internals, and every public type of the library is in the baseline.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class BuildConventionsTests
{
    private static readonly XDocument BuildProps = XDocument.Load(Path.Combine(TestEnvironment.RepositoryRoot, "Directory.Build.props"));

    [Theory]
    [InlineData("TreatWarningsAsErrors")]
    [InlineData("EnforceCodeStyleInBuild")]
    public void Every_project_turns_on(string property)
    {
        var values = BuildProps.Descendants(property).Where(e => e.Parent?.Attribute("Condition") is null).Select(e => e.Value.Trim()).ToList();
        Assert.Equal(["true"], values);
    }

    [Fact]
    public void The_library_builds_with_the_public_API_analyzer_and_both_baseline_files()
    {
        var group = Assert.Single(BuildProps.Descendants("ItemGroup"), g => g.Attribute("Condition")?.Value.Contains("'Sparkify.Warehouse'", StringComparison.Ordinal) == true
            && g.Elements("PackageReference").Any(p => p.Attribute("Include")?.Value == "Microsoft.CodeAnalysis.PublicApiAnalyzers"));
        Assert.Equal(["PublicAPI.Shipped.txt", "PublicAPI.Unshipped.txt"], group.Elements("AdditionalFiles").Select(f => f.Attribute("Include")?.Value).Order(StringComparer.Ordinal));
        foreach (var file in new[] { "PublicAPI.Shipped.txt", "PublicAPI.Unshipped.txt" })
        {
            Assert.True(File.Exists(Path.Combine(TestEnvironment.RepositoryRoot, "Sparkify.Warehouse", file)), $"Sparkify.Warehouse/{file} is missing");
        }

        var editorConfig = File.ReadAllLines(Path.Combine(TestEnvironment.RepositoryRoot, ".editorconfig")).Select(l => l.Replace(" ", "", StringComparison.Ordinal)).ToList();
        Assert.Contains("dotnet_diagnostic.RS0016.severity=error", editorConfig);
        Assert.Contains("dotnet_diagnostic.RS0017.severity=error", editorConfig);
    }

    [Fact]
    public void The_library_shows_its_internals_to_its_tests_alone()
    {
        var project = XDocument.Load(Path.Combine(TestEnvironment.RepositoryRoot, "Sparkify.Warehouse", "Sparkify.Warehouse.csproj"));
        Assert.Equal(["Sparkify.Warehouse.Tests"], project.Descendants("InternalsVisibleTo").Select(e => e.Attribute("Include")?.Value));
        Assert.Equal(
            ["Sparkify.Warehouse.Tests"],
            typeof(WarehouseDbContext).Assembly.GetCustomAttributes<System.Runtime.CompilerServices.InternalsVisibleToAttribute>().Select(a => a.AssemblyName));
    }

    [Fact]
    public void Every_public_type_of_the_library_is_in_the_baseline()
    {
        var recorded = new[] { "PublicAPI.Shipped.txt", "PublicAPI.Unshipped.txt" }
            .SelectMany(f => File.ReadAllLines(Path.Combine(TestEnvironment.RepositoryRoot, "Sparkify.Warehouse", f)))
            .Select(l => l.TrimStart('~'))
            .Select(l => l.StartsWith("static ", StringComparison.Ordinal) || l.StartsWith("abstract ", StringComparison.Ordinal) ? l[(l.IndexOf(' ', StringComparison.Ordinal) + 1)..] : l)
            .ToHashSet(StringComparer.Ordinal);
        var missing = typeof(WarehouseDbContext).Assembly.GetExportedTypes()
            .Select(Name)
            .Where(name => !recorded.Contains(name))
            .ToList();
        Assert.Empty(missing);
    }

    /// <summary>A type's name as the baseline writes it: nested types with a dot, generic parameters in angle brackets.</summary>
    private static string Name(Type type)
    {
        var name = type.FullName!.Replace('+', '.');
        if (!type.IsGenericTypeDefinition)
        {
            return name;
        }

        var tick = name.IndexOf('`', StringComparison.Ordinal);
        return $"{name[..tick]}<{string.Join(", ", type.GetGenericArguments().Select(a => a.Name))}>";
    }
}
