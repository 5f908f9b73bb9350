using Npgsql;

namespace Sparkify.Warehouse.Loading;

/// <summary>One-line, credential-free descriptions of failures, as <c>load_runs.error</c> records them.</summary>
public static class ErrorText
{
    /// <summary>
    /// Describes <paramref name="exception"/> in one line for a user: the server's message and SQLSTATE for
    /// a database error, the cause of a lost connection, <c>cancelled</c> for a cancellation, else the
    /// exception's message. Never includes a connection string or a stack trace.
    /// </summary>
    /// <param name="exception">The failure.</param>
    /// <returns>The one-line description.</returns>
    public static string Describe(Exception exception) => exception switch
    {
        // Npgsql's messages never carry the connection string; PostgresException adds the SQLSTATE.
        PostgresException pg => $"the database said: {pg.MessageText} (SQLSTATE {pg.SqlState})",
        NpgsqlException npgsql when npgsql.InnerException is { } inner and not PostgresException => $"lost the database connection: {inner.Message}",
        NpgsqlException npgsql => $"database error: {npgsql.Message}",
        OperationCanceledException => "cancelled",
        _ => exception.Message,
    };
}
