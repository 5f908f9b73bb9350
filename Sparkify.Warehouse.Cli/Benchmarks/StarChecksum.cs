using System.Globalization;
using Npgsql;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>
/// Order-independent fingerprints of the five star tables (a count and a sum of row hashes), to check
/// that two databases hold the same star schema. songplay_id is left out: it only numbers the rows.
/// </summary>
internal static class StarChecksum
{
    private static readonly (string Table, string Row)[] Tables =
    [
        ("songplays", "ROW(t.start_time, t.user_id, t.level, t.song_id, t.artist_id, t.session_id, t.location, t.user_agent, t.item_in_session)"),
        ("users", "ROW(t.*)"),
        // The contract's columns: the match key kept for incremental loads (artist_name) is not on the
        // reference schema.
        ("songs", "ROW(t.song_id, t.title, t.artist_id, t.year, t.duration)"),
        ("artists", "ROW(t.*)"),
        ("\"time\"", "ROW(t.*)"),
    ];

    public static async Task<bool> SameAsync(string left, string right, CancellationToken cancellationToken)
        => (await FingerprintAsync(left, cancellationToken).ConfigureAwait(false)).SequenceEqual(await FingerprintAsync(right, cancellationToken).ConfigureAwait(false));

    private static async Task<List<string>> FingerprintAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var fingerprints = new List<string>();
        foreach (var (table, row) in Tables)
        {
            var sql = $"SELECT COUNT(*), COALESCE(SUM(CAST(CAST(CAST('x' || SUBSTR(MD5(CAST({row} AS TEXT)), 1, 15) AS BIT(60)) AS BIGINT) AS NUMERIC)), 0) FROM {table} AS t";
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            fingerprints.Add(string.Create(CultureInfo.InvariantCulture, $"{table}:{reader.GetInt64(0)}:{reader.GetDecimal(1)}"));
        }

        return fingerprints;
    }
}
