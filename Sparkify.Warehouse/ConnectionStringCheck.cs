using Npgsql;

namespace Sparkify.Warehouse;

/// <summary>Checks a connection string before anything uses it, and says what is wrong without quoting it.</summary>
internal static class ConnectionStringCheck
{
    /// <summary>
    /// Null when <paramref name="connectionString"/> parses as an Npgsql connection string; otherwise
    /// what is wrong. The text never contains a value from the string (which may hold a password),
    /// and names a keyword only when it is one Npgsql knows.
    /// </summary>
    public static string? Problem(string connectionString)
    {
        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
            return null;
        }
        catch (ArgumentException exception)
        {
            var keyword = exception.ParamName;
            return keyword is not null && new NpgsqlConnectionStringBuilder().ContainsKey(keyword)
                ? $"the value of '{keyword}' is not valid"
                : "it has an unknown keyword or is not a list of keyword=value pairs separated by ';'";
        }
    }
}
