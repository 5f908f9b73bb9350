using System.CommandLine;
using System.Reflection;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Sparkify.Warehouse.Cli;
using Sparkify.Warehouse.Cli.Configuration;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Docs;

/// <summary>
/// The README sections that restate the code are checked against it. Generated blocks are regenerated
/// with one command (<see cref="Readme.RegenerateCommand"/>); the tests compare against whatever commands,
/// tables and options exist at the time, so a new command or option shows up as a failing test here.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Fast)]
public sealed class ReadmeTests
{
    [Fact]
    public async Task Cli_reference_is_the_live_help_of_every_command()
    {
        var block = new StringBuilder();
        foreach (var path in CommandPaths(SparkifyCommands.CreateRoot(new CliContext(TextWriter.Null, TextWriter.Null)), []))
        {
            // A process of its own, so usage lines say 'sparkify'; invariant globalization, so the
            // headings are English whatever the machine's language.
            var help = await SparkifyProcess.RunAsync(new Dictionary<string, string?> { ["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1" }, [.. path, "--help"]);
            Assert.True(help.ExitCode == 0, help.ToString());
            var text = string.Join('\n', help.Out.ReplaceLineEndings("\n").Split('\n').Select(line => line.TrimEnd())).Trim('\n');
            block.Append("### `").AppendJoin(' ', ["sparkify", .. path]).Append("`\n\n```text\n").Append(text).Append("\n```\n\n");
        }

        Readme.AssertGenerated("cli-reference", block.ToString());
    }

    [Fact]
    public void Star_schema_diagram_is_the_model()
    {
        using var context = new WarehouseDbContext(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse("Host=localhost").Options);
        var model = context.GetService<IDesignTimeModel>().Model;
        string[] star = ["songplays", "users", "songs", "artists", "time"];
        var entities = star.Select(table => model.GetEntityTypes().Single(e => e.GetTableName() == table)).ToList();

        var diagram = new StringBuilder("```mermaid\nerDiagram\n");
        foreach (var entity in entities)
        {
            var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            diagram.Append("    ").Append(table.Name).Append(" {\n");
            foreach (var property in entity.GetProperties().OrderBy(p => p.GetColumnOrder(table) ?? int.MaxValue))
            {
                var keys = new List<string>();
                if (entity.FindPrimaryKey()!.Properties.Contains(property))
                {
                    keys.Add("PK");
                }

                if (property.GetContainingForeignKeys().Any(fk => star.Contains(fk.PrincipalEntityType.GetTableName())))
                {
                    keys.Add("FK");
                }

                var type = SqlAlias(property.GetColumnType(table));
                diagram.Append("        ").Append(type).Append(' ').Append(property.GetColumnName(table)).Append(keys.Count > 0 ? " " + string.Join(", ", keys) : "").Append('\n');
            }

            diagram.Append("    }\n");
        }

        foreach (var foreignKey in entities.SelectMany(e => e.GetForeignKeys()).Where(fk => star.Contains(fk.PrincipalEntityType.GetTableName())))
        {
            var dependent = foreignKey.DeclaringEntityType;
            var columns = foreignKey.Properties.Select(p => p.GetColumnName(StoreObjectIdentifier.Table(dependent.GetTableName()!, dependent.GetSchema())));
            diagram.Append("    ").Append(foreignKey.PrincipalEntityType.GetTableName())
                .Append(foreignKey.IsRequired ? " ||--" : " |o--").Append(foreignKey.IsUnique ? "o| " : "o{ ")
                .Append(dependent.GetTableName()).Append(" : \"").AppendJoin(", ", columns).Append("\"\n");
        }

        Readme.AssertGenerated("star-schema", diagram.Append("```").ToString());
    }

    [Fact]
    public async Task Redshift_copy_block_is_what_a_load_of_the_readme_dwh_cfg_runs()
    {
        var dwhConfig = Path.Combine(Directory.CreateTempSubdirectory("sparkify-readme-").FullName, "dwh.cfg");
        await File.WriteAllTextAsync(dwhConfig, Readme.CodeBlock("Redshift", "ini"));
        try
        {
            var plan = await CliRunner.RunAsync("--config", dwhConfig, "load", "--dry-run");

            Assert.True(plan.ExitCode == 0, plan.ToString());
            // Each COPY is printed in two forms, each under a comment saying when it is sent; the README
            // shows the one a loader owning the staging tables sends.
            var copies = plan.Out.ReplaceLineEndings("\n").Split("\n\n")
                .Select(statement => string.Join('\n', statement.Split('\n').SkipWhile(line => line.StartsWith("-- ", StringComparison.Ordinal))))
                .Where(statement => statement.StartsWith("COPY ", StringComparison.Ordinal) && statement.Contains("STATUPDATE ON", StringComparison.Ordinal))
                .ToList();
            Assert.Equal(2, copies.Count);
            Readme.AssertGenerated("redshift-copy", "```sql\n" + string.Join("\n\n", copies) + "\n```");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(dwhConfig)!, recursive: true);
        }
    }

    [Fact]
    public void Configuration_reference_names_every_setting_and_its_environment_variable()
    {
        var section = Readme.Section("Configuration reference");
        var keys = SettingKeys(typeof(WarehouseOptions), WarehouseOptions.SectionName)
            .Concat([CliConfiguration.LoadSongsKey, CliConfiguration.LoadEventsKey, CliConfiguration.LoadJsonPathsKey, "ConnectionStrings:Warehouse"])
            .Concat(CliConfiguration.SettingOptions.Values)
            .Distinct()
            .ToList();

        Assert.Contains("Sparkify:S3:Region", keys);
        Assert.All(keys, key =>
        {
            Assert.Contains($"| `{key}` | `{key.Replace(":", "__", StringComparison.Ordinal)}` |", section, StringComparison.Ordinal);
        });
        Assert.All(CliConfiguration.SettingOptions.Keys, option => Assert.Contains($"`{option}`", section, StringComparison.Ordinal));
        Assert.Contains($"`{CliConfiguration.ConnectionVariable}`", section, StringComparison.Ordinal);
    }

    /// <summary>The short spelling of a column type, which is also a single word, as Mermaid needs.</summary>
    private static string SqlAlias(string columnType) => columnType
        .Replace("character varying", "varchar", StringComparison.Ordinal)
        .Replace("double precision", "float8", StringComparison.Ordinal)
        .Replace("timestamp without time zone", "timestamp", StringComparison.Ordinal)
        .Replace(' ', '_');

    /// <summary>Every command, depth first, as the path of names after <c>sparkify</c>.</summary>
    private static IEnumerable<string[]> CommandPaths(Command command, string[] path)
    {
        yield return path;
        foreach (var subcommand in command.Subcommands.Where(c => !c.Hidden))
        {
            foreach (var nested in CommandPaths(subcommand, [.. path, subcommand.Name]))
            {
                yield return nested;
            }
        }
    }

    /// <summary>The configuration keys of an options class: its settable properties, nested classes as sections.</summary>
    private static IEnumerable<string> SettingKeys(Type options, string prefix)
    {
        foreach (var property in options.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true))
        {
            var key = prefix + ":" + property.Name;
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (type.IsClass && type != typeof(string))
            {
                foreach (var nested in SettingKeys(type, key))
                {
                    yield return nested;
                }
            }
            else
            {
                yield return key;
            }
        }
    }
}
