using System.Data.Common;
using Npgsql;

namespace Sparkify.Warehouse.Infrastructure.Internal;

/// <summary>
/// The connection string the library actually connects with. Every connection to the warehouse,
/// whether through a <see cref="WarehouseDbContext"/> or an <see cref="NpgsqlConnection"/> opened
/// directly, goes through <see cref="ForProvider"/>.
/// </summary>
internal static class WarehouseConnectionString
{
    /// <summary>
    /// On Redshift, verifies the server's certificate and host name (<c>SSL Mode=VerifyFull</c>) unless the
    /// connection string sets an SSL mode itself: Npgsql's default, <c>Prefer</c>, encrypts without checking
    /// who answers, and a cluster's certificate chains to a public authority the system trusts. PostgreSQL
    /// connection strings are returned unchanged (the embedded server listens on a local socket or loopback).
    /// </summary>
    /// <exception cref="WarehouseException">The string is not a list of keyword=value pairs; the message quotes none of it.</exception>
    public static string ForProvider(string connectionString, WarehouseProvider provider)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        if (provider != WarehouseProvider.Redshift)
        {
            return connectionString;
        }

        DbConnectionStringBuilder builder;
        try
        {
            builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
        }
        catch (ArgumentException)
        {
            // The parser's message can quote part of the string, which may be the password.
            throw new WarehouseException("The warehouse connection string is not a list of keyword=value pairs separated by ';'.");
        }

        if (builder.Keys.Cast<string>().Any(IsSslModeKeyword))
        {
            return connectionString;
        }

        // Appended rather than rebuilt, so every other keyword stays exactly as the user wrote it.
        var text = connectionString.TrimEnd();
        return text + (text.Length == 0 || text.EndsWith(';') ? "" : ";") + "SSL Mode=" + nameof(SslMode.VerifyFull);
    }

    // Npgsql accepts "SSL Mode" and "SslMode" in any case.
    private static bool IsSslModeKeyword(string keyword)
        => string.Equals(keyword.Replace(" ", "", StringComparison.Ordinal), "SslMode", StringComparison.OrdinalIgnoreCase);
}
