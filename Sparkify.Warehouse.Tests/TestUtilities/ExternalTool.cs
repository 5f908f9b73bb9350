namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>Finds the command-line tools the tests drive; a missing tool fails the test, never skips it.</summary>
internal static class ExternalTool
{
    /// <summary>The first existing candidate, else the command found on PATH.</summary>
    /// <exception cref="InvalidOperationException">Not found; the message says how to install it.</exception>
    public static string Find(string command, params string[] candidates)
    {
        foreach (var candidate in candidates)
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var path = Path.Combine(directory, command);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new InvalidOperationException(
            $"'{command}' was not found (looked in {string.Join(", ", candidates)} and on PATH). Run .ci/install-prereqs.sh to install the test prerequisites.");
    }
}
