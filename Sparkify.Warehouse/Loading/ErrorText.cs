using Npgsql;

namespace Sparkify.Warehouse.Loading;

/// <summary>One-line, credential-free descriptions of failures, for <c>load_runs.error</c> and the CLI.</summary>
internal static class ErrorText
{
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
