using System.CommandLine;
using System.ComponentModel;
using Sparkify.Warehouse.Cli.Queries;

namespace Sparkify.Warehouse.Cli;

/// <summary>Options several commands share, defined once so they read the same everywhere.</summary>
internal static class CommonOptions
{
    public static Option<WarehouseProvider?> Provider() => new("--provider")
    {
        Description = "Target database: postgres (default; the embedded local server unless a connection is given) or redshift (Sparkify:Provider).",
        HelpName = "postgres|redshift",
        CustomParser = result =>
        {
            // The names configuration accepts (Sparkify:Provider), read by the same converter.
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (!string.IsNullOrWhiteSpace(text))
            {
                try
                {
                    return (WarehouseProvider?)TypeDescriptor.GetConverter(typeof(WarehouseProvider)).ConvertFromInvariantString(text);
                }
                catch (FormatException)
                {
                    // Reported below, in the command line's words.
                }
            }

            result.AddError($"Unknown provider '{text}'. Accepted: postgres, redshift.");
            return null;
        },
    };

    public static Option<string?> Connection() => new("--connection")
    {
        Description = "Npgsql connection string of the warehouse (default: SPARKIFY_CONNECTION, Sparkify:ConnectionString, ConnectionStrings:Warehouse, [CLUSTER] in --config, or the embedded local server).",
    };

    public static Option<string?> Songs() => new("--songs")
    {
        Description = "Song data: a file, a folder (recursive *.json, *.json.gz) or s3://bucket/prefix (default: Sparkify:Load:Songs, [S3] SONG_DATA in --config).",
    };

    public static Option<string?> Events() => new("--events")
    {
        Description = "Event logs (JSON Lines): a file, a folder or s3://bucket/prefix (default: Sparkify:Load:Events, [S3] LOG_DATA in --config).",
    };

    public static Option<string?> JsonPaths() => new("--jsonpaths")
    {
        Description = "JSONPaths file mapping event keys to staging_events columns, local or s3:// (default: Sparkify:Load:JsonPaths, [S3] LOG_JSONPATH in --config, else the standard Sparkify mapping).",
    };

    /// <summary>Where a Redshift load writes its manifests; <c>files</c> takes it too, as it decides what a load reads.</summary>
    public static Option<string?> ManifestPrefix() => new("--manifest-prefix")
    {
        Description = "Redshift: s3://bucket[/prefix] where the load writes a manifest of exactly the new and changed files, which COPY then reads (Sparkify:Redshift:ManifestPrefix; needs s3:PutObject there). Without it, Redshift loads COPY every file under their prefixes, and --since/--until are refused.",
    };

    public static Option<string?> IamRole() => new("--iam-role")
    {
        Description = "Redshift: IAM role ARN that COPY uses to read S3 (Sparkify:IamRole, [IAM_ROLE] ARN in --config).",
    };

    public static Option<string?> S3Endpoint() => new("--s3-endpoint")
    {
        Description = "S3-compatible endpoint URL (path-style addressing), e.g. http://127.0.0.1:4568 (Sparkify:S3:ServiceUrl).",
    };

    public static Option<string?> S3Region() => new("--s3-region")
    {
        Description = "S3 region (default us-west-2); also Redshift COPY's REGION (Sparkify:S3:Region).",
    };

    /// <summary>An option's value when given, else the configuration's value for <paramref name="key"/>; null when neither is set.</summary>
    public static string? Configured(CliContext cli, string? option, string key)
        => NonEmpty(option) ?? NonEmpty(cli.Configuration[key]);

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    public static Option<string?> From() => new("--from")
    {
        Description = "Only plays with start_time at or after this instant: " + PlayFilterArguments.TimeHelp + ".",
    };

    public static Option<string?> To() => new("--to")
    {
        Description = "Only plays with start_time before this instant (exclusive): " + PlayFilterArguments.TimeHelp + ".",
    };

    public static Option<string?> Level() => new("--level") { Description = "Only plays at this level at play time: free or paid." };

    /// <summary>The name of <see cref="Config"/>, which configuration reads before the host is built.</summary>
    public const string ConfigName = "--config";

    public static Option<string?> Config() => new(ConfigName)
    {
        Description = "Read settings from the Python scripts' dwh.cfg ([CLUSTER], [IAM_ROLE], [S3]); implies --provider redshift unless --provider says otherwise.",
        HelpName = "dwh.cfg",
        Recursive = true,
    };

    public static Option<bool> Verbose() => new("--verbose")
    {
        Description = "Log debug details (never credentials).",
        Recursive = true,
    };
}
