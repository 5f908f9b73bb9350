using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>The <c>psql</c> client the bench runs plain SQL files in, as the competitors it measures against would.</summary>
internal static class Psql
{
    /// <summary>The psql on <c>PATH</c>, else the newest under <c>/usr/lib/postgresql/*/bin</c>.</summary>
    /// <exception cref="InvalidOperationException">There is none.</exception>
    public static string Require() => Find() ?? throw new InvalidOperationException(
        "psql was not found on PATH or under /usr/lib/postgresql/*/bin; the 'cli' measurement and the lean reference's days run their SQL in it (Debian: apt-get install postgresql-client).");

    /// <summary>
    /// <c>psql -X -q -v ON_ERROR_STOP=1 -f FILE -o /dev/null</c>, connected as the Npgsql connection string says, through
    /// libpq's environment variables (the password never on a command line).
    /// </summary>
    public static ProcessStartInfo StartInfo(string psql, string connectionString, string sqlFile)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new ProcessStartInfo(psql) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", sqlFile, "-o", "/dev/null" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PGHOST"] = builder.Host;
        start.Environment["PGPORT"] = builder.Port.ToString(CultureInfo.InvariantCulture);
        start.Environment["PGUSER"] = builder.Username;
        start.Environment["PGPASSWORD"] = builder.Password;
        start.Environment["PGDATABASE"] = builder.Database;

        // The same encryption requests as sparkify's own connections make, so neither side pays a refused one the other skips.
        start.Environment["PGSSLMODE"] = builder.SslMode == SslMode.Disable ? "disable" : "prefer";
        start.Environment["PGGSSENCMODE"] = builder.GssEncryptionMode == GssEncryptionMode.Disable ? "disable" : "prefer";
        return start;
    }

    /// <summary>A file name as <c>\copy</c>'s argument: in single quotes, each quote in it doubled (a backslash is taken as it is).</summary>
    public static string Quoted(string path) => "'" + path.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string? Find()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, "psql"))
            .FirstOrDefault(File.Exists);
        if (onPath is not null || !Directory.Exists("/usr/lib/postgresql"))
        {
            return onPath;
        }

        return Directory.GetDirectories("/usr/lib/postgresql")
            .Select(version => Path.Combine(version, "bin", "psql"))
            .Where(File.Exists)
            .OrderByDescending(path => int.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(path))), out var major) ? major : 0)
            .FirstOrDefault();
    }
}
