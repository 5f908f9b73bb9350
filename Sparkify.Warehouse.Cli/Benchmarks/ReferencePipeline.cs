using Npgsql;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>
/// The pipeline the loader is measured against: what a competent engineer writes without our
/// optimizations. The rows arrive pre-flattened as CSV (as <c>psql \copy</c> would send them), go into
/// staging with a text COPY, and a plain set-based transform with <c>ON CONFLICT</c> derives the same
/// star tables (the rules in the README's "Star schema"), with no <c>ANALYZE</c>. It runs on one of two
/// schemas: <see cref="ReferenceSchema.Lean"/>, the yardstick (star tables with only their primary keys
/// and the play's unique key), or <see cref="ReferenceSchema.AsFirstDesigned"/> (the <c>InitialCreate</c>
/// migration, with foreign keys, EF's foreign-key indexes and a B-tree on start_time), a weaker line
/// kept for comparison with earlier runs.
/// </summary>
internal static class ReferencePipeline
{
    /// <summary>The migration the reference database is built to.</summary>
    public const string SchemaMigration = "20261121211050_InitialCreate";

    private const string ValidUserId =
        "CASE WHEN e.user_id ~ '^-?[0-9]{1,10}$' THEN CAST(e.user_id AS BIGINT) BETWEEN -2147483648 AND 2147483647 ELSE FALSE END";

    /// <summary>The transform, in order; each statement is idempotent on its natural key.</summary>
    public static readonly string[] Transform =
    [
        """
        INSERT INTO songs (song_id, title, artist_id, year, duration)
        SELECT DISTINCT ON (song_id) song_id, title, artist_id, year, duration
        FROM staging_songs
        WHERE song_id IS NOT NULL
        ORDER BY song_id, artist_id COLLATE "C", title COLLATE "C", year, duration
        ON CONFLICT (song_id) DO NOTHING
        """,
        """
        INSERT INTO artists (artist_id, name, location, latitude, longitude, source_song_id)
        SELECT DISTINCT ON (artist_id) artist_id, artist_name, artist_location, artist_latitude, artist_longitude, song_id
        FROM staging_songs
        WHERE artist_id IS NOT NULL AND song_id IS NOT NULL
        ORDER BY artist_id, song_id COLLATE "C", artist_name COLLATE "C", artist_location COLLATE "C", artist_latitude, artist_longitude
        ON CONFLICT (artist_id) DO UPDATE SET
            name = EXCLUDED.name, location = EXCLUDED.location, latitude = EXCLUDED.latitude,
            longitude = EXCLUDED.longitude, source_song_id = EXCLUDED.source_song_id
        WHERE EXCLUDED.source_song_id COLLATE "C" < artists.source_song_id COLLATE "C"
        """,
        $"""
        INSERT INTO users (user_id, first_name, last_name, gender, level, last_event_ts, last_item_in_session)
        SELECT DISTINCT ON (CAST(e.user_id AS INTEGER))
            CAST(e.user_id AS INTEGER), e.first_name, e.last_name, e.gender, e.level,
            COALESCE(e.ts, -9223372036854775807), COALESCE(e.item_in_session, -2147483647)
        FROM staging_events AS e
        WHERE {ValidUserId}
        ORDER BY CAST(e.user_id AS INTEGER), COALESCE(e.ts, -9223372036854775807) DESC, COALESCE(e.item_in_session, -2147483647) DESC,
            e.level COLLATE "C", e.first_name COLLATE "C", e.last_name COLLATE "C", e.gender COLLATE "C"
        ON CONFLICT (user_id) DO UPDATE SET
            first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, gender = EXCLUDED.gender, level = EXCLUDED.level,
            last_event_ts = EXCLUDED.last_event_ts, last_item_in_session = EXCLUDED.last_item_in_session
        WHERE (EXCLUDED.last_event_ts, EXCLUDED.last_item_in_session) > (users.last_event_ts, users.last_item_in_session)
        """,
        $"""
        INSERT INTO songplays (start_time, user_id, level, song_id, artist_id, session_id, location, user_agent, item_in_session)
        SELECT DISTINCT ON (CAST(e.user_id AS INTEGER), e.session_id, e.item_in_session)
            TIMESTAMP 'epoch' + e.ts * INTERVAL '1 millisecond', CAST(e.user_id AS INTEGER), e.level, s.song_id, s.artist_id,
            e.session_id, e.location, e.user_agent, e.item_in_session
        FROM staging_events AS e
        LEFT JOIN (
            SELECT DISTINCT ON (title, artist_name, duration) title, artist_name, duration, song_id, artist_id
            FROM staging_songs
            WHERE song_id IS NOT NULL
            ORDER BY title, artist_name, duration, song_id COLLATE "C", artist_id COLLATE "C"
        ) AS s ON s.title = e.song AND s.artist_name = e.artist AND s.duration = e.length
        WHERE e.page = 'NextSong' AND e.ts IS NOT NULL AND e.session_id IS NOT NULL AND e.item_in_session IS NOT NULL AND {ValidUserId}
        ORDER BY CAST(e.user_id AS INTEGER), e.session_id, e.item_in_session, e.ts DESC, e.level COLLATE "C", e.song COLLATE "C",
            e.artist COLLATE "C", e.length, e.location COLLATE "C", e.user_agent COLLATE "C"
        ON CONFLICT (user_id, session_id, item_in_session) DO NOTHING
        """,
        $"""
        INSERT INTO "time" (start_time, hour, day, week, month, year, weekday)
        SELECT DISTINCT t.start_time, EXTRACT(HOUR FROM t.start_time), EXTRACT(DAY FROM t.start_time), EXTRACT(WEEK FROM t.start_time),
            EXTRACT(MONTH FROM t.start_time), EXTRACT(YEAR FROM t.start_time), EXTRACT(DOW FROM t.start_time)
        FROM (
            SELECT TIMESTAMP 'epoch' + e.ts * INTERVAL '1 millisecond' AS start_time
            FROM staging_events AS e
            WHERE e.page = 'NextSong' AND e.ts IS NOT NULL AND e.session_id IS NOT NULL AND e.item_in_session IS NOT NULL AND {ValidUserId}
        ) AS t
        ON CONFLICT (start_time) DO NOTHING
        """,
    ];

    /// <summary>
    /// Makes a database migrated to <see cref="SchemaMigration"/> lean: drops every foreign key and every
    /// index on the star tables that is neither a primary key nor unique, so what remains is what the
    /// transform's <c>ON CONFLICT</c> clauses need.
    /// </summary>
    public static async Task MakeLeanAsync(string database, CancellationToken cancellationToken)
    {
        const string Sql = """
            DO $$
            DECLARE item record;
            BEGIN
                FOR item IN
                    SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname) AS ddl
                    FROM pg_constraint AS c
                    WHERE c.contype = 'f' AND c.conrelid::regclass::text IN ('songplays', 'users', 'songs', 'artists', '"time"')
                    UNION ALL
                    SELECT format('DROP INDEX %s', i.indexrelid::regclass)
                    FROM pg_index AS i
                    WHERE NOT i.indisunique AND NOT i.indisprimary AND i.indrelid::regclass::text IN ('songplays', 'users', 'songs', 'artists', '"time"')
                LOOP
                    EXECUTE item.ddl;
                END LOOP;
            END
            $$
            """;
        await using var connection = await BenchTiming.OpenAsync(database, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, Sql, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stages the CSV files with text COPY and runs <see cref="Transform"/>, in one transaction.</summary>
    public static async Task RunAsync(NpgsqlConnection connection, BenchDataset data, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, "TRUNCATE staging_events, staging_songs", cancellationToken).ConfigureAwait(false);
        await CopyCsvAsync(connection, "staging_songs", data.SongsCsv, cancellationToken).ConfigureAwait(false);
        await CopyCsvAsync(connection, "staging_events", data.EventsCsv, cancellationToken).ConfigureAwait(false);
        foreach (var statement in Transform)
        {
            await ExecuteAsync(connection, statement, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What <c>\copy table FROM file (FORMAT csv)</c> does: the file streamed into a text COPY.</summary>
    private static async Task CopyCsvAsync(NpgsqlConnection connection, string table, string path, CancellationToken cancellationToken)
    {
        using var file = new StreamReader(path, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 256 * 1024);
        var copy = await connection.BeginTextImportAsync($"COPY {table} FROM STDIN (FORMAT csv)", cancellationToken).ConfigureAwait(false);
        await using (copy.ConfigureAwait(false))
        {
            var buffer = new char[128 * 1024];
            int read;
            while ((read = await file.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await copy.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Writes a staging table's rows as CSV (the pre-flattened input of <see cref="RunAsync"/>).</summary>
    public static async Task ExportCsvAsync(NpgsqlConnection connection, string table, string path, CancellationToken cancellationToken)
    {
        var partial = path + ".partial";
        using (var export = await connection.BeginTextExportAsync($"COPY {table} TO STDOUT (FORMAT csv)", cancellationToken).ConfigureAwait(false))
        {
            await using var file = new StreamWriter(partial, append: false, new System.Text.UTF8Encoding(false), 256 * 1024);
            var buffer = new char[128 * 1024];
            int read;
            while ((read = await export.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }

        File.Move(partial, path, overwrite: true);
    }

    /// <summary>Writes a staging table's rows in COPY's binary format, as a binary <c>\copy</c> reads them.</summary>
    public static async Task ExportBinaryAsync(NpgsqlConnection connection, string table, string path, CancellationToken cancellationToken)
    {
        var partial = path + ".partial";
        await using (var export = await connection.BeginRawBinaryCopyAsync($"COPY {table} TO STDOUT (FORMAT binary)", cancellationToken).ConfigureAwait(false))
        {
            await using var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 256 * 1024);
            await export.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
        }

        File.Move(partial, path, overwrite: true);
    }

    internal static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>The schema the reference pipeline runs on.</summary>
internal enum ReferenceSchema
{
    /// <summary>Star tables with only their primary keys and the play's unique key: the yardstick.</summary>
    Lean,

    /// <summary>The <c>InitialCreate</c> migration: foreign keys, their indexes and a B-tree on start_time.</summary>
    AsFirstDesigned,
}
