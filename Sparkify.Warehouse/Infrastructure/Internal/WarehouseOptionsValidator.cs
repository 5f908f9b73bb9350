using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Loading.Ledger;
using Sparkify.Warehouse.Loading.Redshift;
using Sparkify.Warehouse.Loading.Sources;

namespace Sparkify.Warehouse.Infrastructure.Internal;

/// <summary>
/// How the settings are named in messages: by their configuration key (<c>Sparkify:S3:Region</c>)
/// when they were bound from configuration, else by property (<c>WarehouseOptions.S3.Region</c>).
/// </summary>
internal sealed class WarehouseSettingNames
{
    public static readonly WarehouseSettingNames Configuration = new(WarehouseOptions.SectionName, ':');

    public static readonly WarehouseSettingNames Properties = new(nameof(WarehouseOptions), '.');

    private readonly string _root;
    private readonly char _separator;

    private WarehouseSettingNames(string root, char separator) => (_root, _separator) = (root, separator);

    public bool FromConfiguration => _separator == ':';

    public string this[params string[] path] => _root + _separator + string.Join(_separator, path);

    /// <summary>Where the connection string comes from, for the message that says it is missing.</summary>
    public string ConnectionSources => FromConfiguration
        ? $"{this[nameof(WarehouseOptions.ConnectionString)]} (or ConnectionStrings:{WarehouseOptionsBinding.ConnectionStringName})"
        : this[nameof(WarehouseOptions.ConnectionString)];
}

/// <summary>Binds <see cref="WarehouseOptions"/> from configuration, refusing values that cannot be converted.</summary>
internal static class WarehouseOptionsBinding
{
    /// <summary>The name under <c>ConnectionStrings</c> used when <c>Sparkify:ConnectionString</c> is not set.</summary>
    public const string ConnectionStringName = "Warehouse";

    /// <summary>
    /// Binds section <c>Sparkify</c> of <paramref name="configuration"/> (the application's root
    /// configuration), then falls back to <c>ConnectionStrings:Warehouse</c> for the connection string.
    /// </summary>
    /// <exception cref="OptionsValidationException">A value cannot be converted; the message names the key.</exception>
    public static void Bind(IConfiguration configuration, WarehouseOptions options)
    {
        var section = configuration.GetSection(WarehouseOptions.SectionName);
        var names = WarehouseSettingNames.Configuration;

        // The binder would fail on these too, but with a conversion message that does not say what is
        // accepted, and after binding half the options. Checking first gives one clear message per key.
        var problems = new List<string>();
        if (Set(section[nameof(WarehouseOptions.Provider)]) is { } provider && !WarehouseProviderNames.TryParse(provider, out _))
        {
            problems.Add($"{names[nameof(WarehouseOptions.Provider)]} is {InputDisplay.Quote(provider)}; accepted: {WarehouseProviderNames.Accepted}.");
        }

        if (Set(section[nameof(WarehouseOptions.MaxErrors)]) is { } maxErrors && !int.TryParse(maxErrors, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            problems.Add($"{names[nameof(WarehouseOptions.MaxErrors)]} is {InputDisplay.Quote(maxErrors)}; it must be a whole number from 0 to {RedshiftCopyCommandBuilder.MaxErrorLimit}.");
        }

        if (Set(section[$"{nameof(WarehouseOptions.S3)}:{nameof(S3Settings.Anonymous)}"]) is { } anonymous && !bool.TryParse(anonymous, out _))
        {
            problems.Add($"{names[nameof(WarehouseOptions.S3), nameof(S3Settings.Anonymous)]} is {InputDisplay.Quote(anonymous)}; it must be true or false.");
        }

        if (Set(section[$"{nameof(WarehouseOptions.Redshift)}:{nameof(RedshiftSettings.Serverless)}"]) is { } serverless && !bool.TryParse(serverless, out _))
        {
            problems.Add($"{names[nameof(WarehouseOptions.Redshift), nameof(RedshiftSettings.Serverless)]} is {InputDisplay.Quote(serverless)}; it must be true or false.");
        }

        if (problems.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(WarehouseOptions), problems);
        }

        section.Bind(options);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            options.ConnectionString = Set(configuration.GetConnectionString(ConnectionStringName));
        }
    }

    // An empty value (e.g. Sparkify__Provider= in the environment) means "not set", as it does for strings.
    private static string? Set(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

/// <summary>
/// Checks <see cref="WarehouseOptions"/> when the application starts (<c>ValidateOnStart</c>), so a
/// mistake is reported once, naming the setting, before any work is done. Messages never echo a
/// connection string.
/// </summary>
/// <param name="names">How settings are named in messages.</param>
/// <param name="connectionRequired">
/// False for the <c>sparkify</c> command line, which checks the connection only when a command needs
/// one (scripts and dry runs do not) and otherwise falls back to its embedded PostgreSQL server.
/// </param>
internal sealed class WarehouseOptionsValidator(WarehouseSettingNames names, bool connectionRequired) : IValidateOptions<WarehouseOptions>
{
    public ValidateOptionsResult Validate(string? name, WarehouseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();

        if (!Enum.IsDefined(options.Provider))
        {
            problems.Add($"{names[nameof(WarehouseOptions.Provider)]} is {WarehouseProviderNames.Format(options.Provider)}; accepted: {WarehouseProviderNames.Accepted}.");
        }

        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            if (connectionRequired)
            {
                problems.Add(MissingConnection(names, options.Provider));
            }
        }
        else if (InvalidConnectionString(options.ConnectionString) is { } reason)
        {
            problems.Add($"{names[nameof(WarehouseOptions.ConnectionString)]} is not a valid Npgsql connection string: {reason}");
        }

        if (options.MaxErrors is < 0 or > RedshiftCopyCommandBuilder.MaxErrorLimit)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{names[nameof(WarehouseOptions.MaxErrors)]} is {options.MaxErrors}; it must be from 0 to {RedshiftCopyCommandBuilder.MaxErrorLimit}."));
        }

        if (options.IamRole is { } role && !string.Equals(role, "default", StringComparison.OrdinalIgnoreCase) && !RedshiftCopyCommandBuilder.IsIamRoleArn(role))
        {
            // Not echoed: whatever was put here by mistake (a key?) should not end up in a log.
            problems.Add($"{names[nameof(WarehouseOptions.IamRole)]} is not an IAM role ARN of the form arn:aws:iam::<12-digit account>:role/<name> (or 'default').");
        }

        if (options.S3 is not { } s3)
        {
            problems.Add($"{names[nameof(WarehouseOptions.S3)]} must not be null.");
        }
        else
        {
            if (s3.ServiceUrl is { } url && !S3ClientFactory.TryParseServiceUrl(url, out _))
            {
                // Not echoed: a mistyped URL could carry user:password@.
                problems.Add($"{names[nameof(WarehouseOptions.S3), nameof(S3Settings.ServiceUrl)]} is not the root URL of an http:// or https:// endpoint without user information, path or query (e.g. http://127.0.0.1:4568).");
            }

            if (s3.Region is { } region && !S3ClientFactory.RegionPattern().IsMatch(region))
            {
                problems.Add($"{names[nameof(WarehouseOptions.S3), nameof(S3Settings.Region)]} is {InputDisplay.Quote(region)}; it must be an AWS region name such as {S3Settings.DefaultRegion}.");
            }
        }

        if (EventFileDatePattern.Problem(options.EventFileDatePattern) is { } patternProblem)
        {
            problems.Add($"{names[nameof(WarehouseOptions.EventFileDatePattern)]} is {InputDisplay.Quote(options.EventFileDatePattern ?? "")}; {patternProblem}");
        }

        if (options.Redshift is not { } redshift)
        {
            problems.Add($"{names[nameof(WarehouseOptions.Redshift)]} must not be null.");
        }
        else
        {
            if (!string.IsNullOrWhiteSpace(redshift.ManifestPrefix)
                && RedshiftManifest.PrefixProblem(redshift.ManifestPrefix, names[nameof(WarehouseOptions.Redshift), nameof(RedshiftSettings.ManifestPrefix)]) is { } prefixProblem)
            {
                problems.Add(prefixProblem);
            }

            if (redshift.Serverless && options.Provider != WarehouseProvider.Redshift)
            {
                problems.Add($"{names[nameof(WarehouseOptions.Redshift), nameof(RedshiftSettings.Serverless)]} is true, but the provider is {WarehouseProviderNames.Format(options.Provider)}; Serverless applies to Redshift only.");
            }
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>The message for a missing connection string, naming where it may be set.</summary>
    public static string MissingConnection(WarehouseSettingNames names, WarehouseProvider provider) => provider == WarehouseProvider.Redshift
        ? $"{names.ConnectionSources} is not set; Redshift needs the cluster's connection string (Host=<cluster endpoint>;Port=5439;Database=<db>;Username=<user>;Password=<password>)."
        : $"{names.ConnectionSources} is not set; give the warehouse's Npgsql connection string (Host=<host>;Database=<db>;Username=<user>;Password=<password>).";

    private static string? InvalidConnectionString(string connectionString)
    {
        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
            return null;
        }
        catch (ArgumentException e)
        {
            // Npgsql's own message may quote a value; a keyword is only named when Npgsql knows it, so
            // a password mistyped into a keyword's place never shows up either.
            return e.ParamName is { } keyword && new NpgsqlConnectionStringBuilder().ContainsKey(keyword)
                ? $"the value of '{keyword}' is not valid."
                : "it has an unknown keyword or is not a list of keyword=value pairs separated by ';'.";
        }
    }
}
