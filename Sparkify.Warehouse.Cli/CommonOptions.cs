using System.CommandLine;

namespace Sparkify.Warehouse.Cli;

/// <summary>Options several commands share, defined once so they read the same everywhere.</summary>
internal static class CommonOptions
{
    public static Option<WarehouseProvider?> Provider() => new("--provider")
    {
        Description = "Target database: postgres (default; the embedded local server unless a connection is given) or redshift.",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            switch (text.ToLowerInvariant())
            {
                case "postgres" or "postgresql":
                    return WarehouseProvider.Postgres;
                case "redshift":
                    return WarehouseProvider.Redshift;
                default:
                    result.AddError($"Unknown provider '{text}'. Accepted: postgres, redshift.");
                    return null;
            }
        },
    };

    public static Option<string?> Connection() => new("--connection")
    {
        Description = "Npgsql connection string of the warehouse (default: SPARKIFY_CONNECTION, ConnectionStrings:Warehouse, or the embedded local server).",
    };

    public static Option<bool> Verbose() => new("--verbose")
    {
        Description = "Log debug details (never credentials).",
        Recursive = true,
    };
}
