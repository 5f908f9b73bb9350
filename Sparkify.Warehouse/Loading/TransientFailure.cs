using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Npgsql;

namespace Sparkify.Warehouse.Loading;

/// <summary>
/// Decides whether a failed load attempt is worth repeating: the failure came from the path to the
/// database or to S3 (a dropped connection, a restarting server, an overloaded S3), not from the
/// input, the configuration or the user.
/// </summary>
internal static class TransientFailure
{
    /// <summary>
    /// Whether <paramref name="exception"/>, or any exception it wraps, is transient. Cancellation never
    /// is; everything not recognised is treated as permanent, so a bug fails once instead of N times.
    /// </summary>
    public static bool Is(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case OperationCanceledException:
                    return false;
                case PostgresException pg:
                    return IsTransientSqlState(pg.SqlState) || IsRedshiftTransient(pg);
                case NpgsqlException { InnerException: NpgsqlException }:
                    continue;
                case NpgsqlException npgsql:
                    // Inside Npgsql every stream failure is the network: the server went away.
                    return npgsql.IsTransient || npgsql.InnerException is IOException;
                case AmazonServiceException { StatusCode: >= HttpStatusCode.InternalServerError or HttpStatusCode.TooManyRequests }:
                    // The SDK already retried within a second or two; a whole-load retry waits longer.
                    return true;
                case AmazonServiceException { InnerException: null }:
                    return false;
                case SocketException or HttpIOException or HttpRequestException or TimeoutException:
                    return true;
            }
        }

        return false;
    }

    /// <summary>
    /// SQLSTATEs after which the same work can succeed on a new connection: the connection failed
    /// (class 08), an operator or crash ended the session or the server is starting (57P01–57P03),
    /// too many connections (53300), and a serialization failure or deadlock (40001, 40P01).
    /// </summary>
    internal static bool IsTransientSqlState(string sqlState)
        => sqlState.StartsWith("08", StringComparison.Ordinal)
           || sqlState is "57P01" or "57P02" or "57P03" or "53300" or "40001" or "40P01";

    /// <summary>
    /// Redshift's transient errors, which it reports with the catch-all SQLSTATE XX000 and a numeric
    /// code in the message: 1023, a serializable isolation violation between concurrent transactions
    /// (<c>ERROR: 1023 DETAIL: Serializable isolation violation on table …</c>), which AWS says to
    /// resolve by running the transaction again; and a deadlock between lock waits
    /// (<c>deadlock detected</c>), which Redshift resolves by aborting one of the transactions.
    /// </summary>
    internal static bool IsRedshiftTransient(PostgresException exception)
        => exception.SqlState == "XX000"
           && (RedshiftCode(exception.MessageText) == "1023"
               || Mentions(exception, "Serializable isolation violation")
               || Mentions(exception, "deadlock detected"));

    // Redshift puts the code first: "1023" alone, or "1023: ..." (with the detail in DETAIL).
    private static string RedshiftCode(string message)
    {
        var text = message.TrimStart();
        var end = 0;
        while (end < text.Length && char.IsAsciiDigit(text[end]))
        {
            end++;
        }

        return text[..end];
    }

    private static bool Mentions(PostgresException exception, string phrase)
        => exception.MessageText.Contains(phrase, StringComparison.OrdinalIgnoreCase)
           || exception.Detail?.Contains(phrase, StringComparison.OrdinalIgnoreCase) == true;
}
