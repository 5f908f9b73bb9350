using Npgsql;

namespace Sparkify.Warehouse.Cli;

internal static class ErrorMessages
{
    /// <summary>One line for the user; database errors keep their SQLSTATE, never a connection string.</summary>
    public static string Describe(Exception exception) => exception switch
    {
        PostgresException pg => $"the database said: {pg.MessageText} (SQLSTATE {pg.SqlState})",
        NpgsqlException npgsql => $"cannot reach the database: {npgsql.InnerException?.Message ?? npgsql.Message}",
        _ => exception.Message,
    };
}
