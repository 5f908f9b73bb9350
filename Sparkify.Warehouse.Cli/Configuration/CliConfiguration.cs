using System.CommandLine;
using System.CommandLine.Parsing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Hosting;

namespace Sparkify.Warehouse.Cli.Configuration;

/// <summary>
/// The configuration of one <c>sparkify</c> run. Sources, later ones winning: the tool's own
/// <c>appsettings.json</c> (logging defaults); <c>appsettings.json</c> and
/// <c>appsettings.{Environment}.json</c> in the current directory; user secrets; environment
/// variables (<c>Sparkify__ConnectionString</c>, ...); <c>SPARKIFY_CONNECTION</c>; the <c>--config</c>
/// dwh.cfg; the command line's setting options (<c>--provider</c>, <c>--connection</c>, ...).
/// </summary>
internal static class CliConfiguration
{
    /// <summary>The environment variable that holds the connection string (the scripts' habit; beats <c>Sparkify__ConnectionString</c>).</summary>
    public const string ConnectionVariable = "SPARKIFY_CONNECTION";

    /// <summary>CLI-only keys: what <c>sparkify load</c> reads when <c>--songs</c>, <c>--events</c>, <c>--jsonpaths</c> are not given.</summary>
    public const string LoadSongsKey = "Sparkify:Load:Songs";

    /// <inheritdoc cref="LoadSongsKey"/>
    public const string LoadEventsKey = "Sparkify:Load:Events";

    /// <inheritdoc cref="LoadSongsKey"/>
    public const string LoadJsonPathsKey = "Sparkify:Load:JsonPaths";

    /// <summary>The command-line options that are settings, and the configuration key each one sets.</summary>
    public static readonly IReadOnlyDictionary<string, string> SettingOptions = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--provider"] = "Sparkify:Provider",
        ["--connection"] = "Sparkify:ConnectionString",
        ["--iam-role"] = "Sparkify:IamRole",
        ["--max-errors"] = "Sparkify:MaxErrors",
        ["--s3-endpoint"] = "Sparkify:S3:ServiceUrl",
        ["--s3-region"] = "Sparkify:S3:Region",
        ["--manifest-prefix"] = "Sparkify:Redshift:ManifestPrefix",
    };

    /// <summary>Adds the CLI's sources to the host's defaults, in precedence order.</summary>
    /// <exception cref="UsageException">The <c>--config</c> file cannot be read or is not a dwh.cfg.</exception>
    public static void Configure(IConfigurationManager configuration, IHostEnvironment environment, ParseResult parseResult)
    {
        // The host already reads appsettings*.json from its content root (the tool's folder) and then
        // the environment. A user's files go between the two: the current directory's settings, then
        // user secrets, as in any Generic Host app run from its project folder.
        // Absolute paths: a relative one would be resolved against the host's content root.
        var currentDirectory = Directory.GetCurrentDirectory();
        var user = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(currentDirectory, "appsettings.json"), optional: true, reloadOnChange: false)
            .AddJsonFile(Path.Combine(currentDirectory, $"appsettings.{environment.EnvironmentName}.json"), optional: true, reloadOnChange: false)
            .AddUserSecrets(typeof(CliConfiguration).Assembly, optional: true, reloadOnChange: false);
        var environmentIndex = IndexOfEnvironmentVariables(configuration.Sources);
        foreach (var source in user.Sources.Reverse())
        {
            configuration.Sources.Insert(environmentIndex, source);
        }

        if (Environment.GetEnvironmentVariable(ConnectionVariable) is { Length: > 0 } connection)
        {
            configuration.AddInMemoryCollection([new("Sparkify:ConnectionString", connection)]);
        }

        if (Value(parseResult, CommonOptions.ConfigName) is { } dwhConfig)
        {
            configuration.AddInMemoryCollection(DwhConfigFile.Read(dwhConfig));
        }

        configuration.AddInMemoryCollection(SettingOptions
            .Select(option => new KeyValuePair<string, string?>(option.Value, Value(parseResult, option.Key)))
            .Where(setting => setting.Value is not null));
    }

    /// <summary>The value given for an option on the command line, wherever in the command path it was declared.</summary>
    internal static string? Value(ParseResult parseResult, string optionName)
    {
        for (SymbolResult? result = parseResult.CommandResult; result is not null; result = result.Parent)
        {
            if (result is CommandResult command
                && command.Children.OfType<OptionResult>().FirstOrDefault(o => o.Option.Name == optionName) is { Implicit: false, Tokens.Count: > 0 } given)
            {
                return given.Tokens[^1].Value;
            }
        }

        return null;
    }

    private static int IndexOfEnvironmentVariables(IList<IConfigurationSource> sources)
    {
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is EnvironmentVariablesConfigurationSource { Prefix: null or "" })
            {
                return i;
            }
        }

        return sources.Count;
    }
}
