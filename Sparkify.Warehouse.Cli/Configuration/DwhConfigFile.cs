using System.Globalization;
using Npgsql;

namespace Sparkify.Warehouse.Cli.Configuration;

/// <summary>
/// Reads the Python scripts' <c>dwh.cfg</c> into the configuration keys the rest of the CLI reads, so
/// <c>sparkify --config dwh.cfg migrate</c> and <c>... load</c> do what <c>create_tables.py</c> and
/// <c>etl.py</c> did. The file is an INI file as Python's <c>configparser</c> reads it: <c>[SECTION]</c>
/// headers, <c>KEY=value</c> or <c>KEY: value</c>, whole-line <c>#</c>/<c>;</c> comments, keys in any
/// case, and <c>%%</c> for a literal <c>%</c>. Values may be quoted (<c>ARN='arn:...'</c>), because the
/// scripts pasted them into SQL; one pair of surrounding quotes is removed.
/// </summary>
/// <remarks>
/// <c>[CLUSTER] HOST, DB_NAME, DB_USER, DB_PASSWORD, DB_PORT</c> become <c>Sparkify:ConnectionString</c>
/// and imply <c>Sparkify:Provider=redshift</c>; <c>[IAM_ROLE] ARN</c> becomes <c>Sparkify:IamRole</c>;
/// <c>[S3] SONG_DATA, LOG_DATA, LOG_JSONPATH</c> become <c>Sparkify:Load:Songs</c>, <c>:Events</c>,
/// <c>:JsonPaths</c>. Other sections (such as <c>[AWS] KEY/SECRET</c>) are ignored: S3 credentials come
/// from the AWS SDK's default chain, never from this file. Messages never show a value from the file.
/// </remarks>
internal static class DwhConfigFile
{
    /// <summary>The port the scripts' clusters listen on when <c>DB_PORT</c> is not given.</summary>
    public const int DefaultRedshiftPort = 5439;

    /// <summary>Reads <paramref name="path"/> into configuration keys and values.</summary>
    /// <exception cref="UsageException">The file is missing, unreadable, or not a usable dwh.cfg.</exception>
    public static IReadOnlyDictionary<string, string?> Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new UsageException($"--config {path}: cannot read the file ({(e is FileNotFoundException or DirectoryNotFoundException ? "not found" : e.GetType().Name)}).");
        }

        return Map(Parse(text, path), path);
    }

    /// <summary>The sections of an INI text, with section and key names upper-cased.</summary>
    internal static Dictionary<string, Dictionary<string, string>> Parse(string text, string path)
    {
        var sections = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        Dictionary<string, string>? current = null;
        string? currentName = null;
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.Trim().TrimStart('\uFEFF');
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[')
            {
                if (line[^1] != ']' || line.Length < 3)
                {
                    throw new UsageException($"--config {path}, line {lineNumber}: a section header must look like [CLUSTER].");
                }

                currentName = line[1..^1].Trim().ToUpperInvariant();
                if (!sections.TryGetValue(currentName, out current))
                {
                    current = new Dictionary<string, string>(StringComparer.Ordinal);
                    sections.Add(currentName, current);
                }

                continue;
            }

            var separator = line.IndexOfAny(['=', ':']);
            if (separator <= 0)
            {
                throw new UsageException($"--config {path}, line {lineNumber}: expected KEY=value, [SECTION] or a # comment.");
            }

            if (current is null)
            {
                throw new UsageException($"--config {path}, line {lineNumber}: a KEY=value line comes before any [SECTION] header.");
            }

            var key = line[..separator].Trim().ToUpperInvariant();
            if (!current.TryAdd(key, Unquote(line[(separator + 1)..].Trim()).Replace("%%", "%", StringComparison.Ordinal)))
            {
                throw new UsageException($"--config {path}, line {lineNumber}: {key} is set twice in [{currentName}].");
            }
        }

        return sections;
    }

    /// <summary>The configuration keys a parsed dwh.cfg stands for.</summary>
    internal static IReadOnlyDictionary<string, string?> Map(Dictionary<string, Dictionary<string, string>> sections, string path)
    {
        var keys = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            // The scripts' file describes a Redshift cluster; --provider overrides it (e.g. to try the
            // same file against a local PostgreSQL).
            ["Sparkify:Provider"] = "redshift",
        };

        if (sections.TryGetValue("CLUSTER", out var cluster) && cluster.Values.Any(v => v.Length > 0))
        {
            string Required(string key) => Value(cluster, key)
                ?? throw new UsageException($"--config {path}: [CLUSTER] {key} is missing or empty.");

            var port = DefaultRedshiftPort;
            if (Value(cluster, "DB_PORT") is { } portText && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
            {
                throw new UsageException($"--config {path}: [CLUSTER] DB_PORT is not a port number (1 to 65535).");
            }

            keys["Sparkify:ConnectionString"] = new NpgsqlConnectionStringBuilder
            {
                Host = Required("HOST"),
                Port = port,
                Database = Required("DB_NAME"),
                Username = Required("DB_USER"),
                Password = Value(cluster, "DB_PASSWORD"),
            }.ConnectionString;
        }

        if (sections.TryGetValue("IAM_ROLE", out var iamRole) && Value(iamRole, "ARN") is { } arn)
        {
            keys["Sparkify:IamRole"] = arn;
        }

        if (sections.TryGetValue("S3", out var s3))
        {
            keys[CliConfiguration.LoadSongsKey] = Value(s3, "SONG_DATA");
            keys[CliConfiguration.LoadEventsKey] = Value(s3, "LOG_DATA");
            keys[CliConfiguration.LoadJsonPathsKey] = Value(s3, "LOG_JSONPATH");
        }

        // A key the file leaves empty must not hide a value from another configuration source.
        return keys.Where(k => k.Value is not null).ToDictionary(StringComparer.OrdinalIgnoreCase);
    }

    private static string? Value(Dictionary<string, string> section, string key)
        => section.TryGetValue(key, out var value) && value.Length > 0 ? value : null;

    private static string Unquote(string value)
        => value.Length >= 2 && value[0] is '\'' or '"' && value[^1] == value[0] ? value[1..^1] : value;
}
