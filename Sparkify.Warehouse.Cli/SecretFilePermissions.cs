using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Sparkify.Warehouse.Cli;

/// <summary>
/// Warns about a configuration file that holds a secret (a password, a secret key, a token) and that
/// other users of the machine can read, the way ssh warns about a private key with loose permissions.
/// It only warns: the file is the user's, and a shared machine may be intended.
/// </summary>
internal static partial class SecretFilePermissions
{
    private const UnixFileMode ReadableByOthers = UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Checks every file the configuration was read from (appsettings*.json, user secrets, and any file added later).</summary>
    public static void CheckAll(IConfiguration configuration, ILogger logger)
    {
        if (configuration is not IConfigurationRoot root)
        {
            return;
        }

        foreach (var provider in root.Providers.OfType<FileConfigurationProvider>())
        {
            if (provider.Source.FileProvider?.GetFileInfo(provider.Source.Path ?? "") is { Exists: true, PhysicalPath: { } path })
            {
                Check(path, logger);
            }
        }
    }

    /// <summary>
    /// Logs a warning when <paramref name="path"/> holds a secret and its mode lets the group or others
    /// read it; returns whether it warned. The warning names the file and the fix, never the secret.
    /// </summary>
    public static bool Check(string path, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        if (OperatingSystem.IsWindows() || !File.Exists(path))
        {
            return false;
        }

        try
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & ReadableByOthers) == 0 || !HoldsSecret(File.ReadAllText(path)))
            {
                return false;
            }

            logger.LogWarning(
                "{Path} holds a password or secret and other users can read it (mode {Mode}); restrict it with: chmod 600 {Path}",
                path, Convert.ToString((int)mode, 8).PadLeft(4, '0'), path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unreadable to us means unreadable to the check; configuration loading reports real problems.
            return false;
        }
    }

    /// <summary>
    /// Whether the text assigns a non-empty value to something named like a secret: <c>Password=…</c> in a
    /// connection string, <c>"Password": "…"</c> in JSON, <c>SECRET=…</c> or <c>db_password = …</c> in an INI file.
    /// </summary>
    internal static bool HoldsSecret(string text) => SecretAssignment().IsMatch(text);

    [GeneratedRegex("""(password|passwd|pwd|secret|token)[a-z_]*"?\s*[:=]\s*"?[^"\s;,}]""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex SecretAssignment();
}
