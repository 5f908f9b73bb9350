using System.CommandLine;
using Sparkify.Warehouse.Cli.Commands;

namespace Sparkify.Warehouse.Cli;

/// <summary>The command tree. Commands parse, call the library and format output; no domain logic lives here.</summary>
internal static class SparkifyCommands
{
    public static RootCommand CreateRoot(CliContext cli)
    {
        var root = new RootCommand("Sparkify warehouse: migrate, load, query, report on and check the Sparkify star schema on PostgreSQL (embedded by default) or Amazon Redshift.");
        root.Options.Add(CommonOptions.Config());
        root.Options.Add(CommonOptions.Verbose());
        root.Subcommands.Add(MigrateCommand.Create(cli));
        root.Subcommands.Add(DbCommand.Create(cli));
        root.Subcommands.Add(LoadCommand.Create(cli));
        root.Subcommands.Add(FilesCommand.Create(cli));
        root.Subcommands.Add(QueryCommand.Create(cli));
        root.Subcommands.Add(ReportCommand.Create(cli));
        root.Subcommands.Add(CheckCommand.Create(cli));
        root.Subcommands.Add(DoctorCommand.Create(cli));
        root.Subcommands.Add(GenerateCommand.Create(cli));
        root.Subcommands.Add(DemoCommand.Create(cli));
        root.Subcommands.Add(BenchCommand.Create(cli));
        return root;
    }
}
