using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Loading.Transform;

namespace Sparkify.Warehouse.Checks;

/// <summary>
/// Data-quality checks an analyst can trust before querying: no NULL keys, every fact row has its
/// dimension rows, no duplicate natural keys, and the star and staging tables consistent with the
/// last successful load recorded in <c>load_runs</c>. <c>sparkify check</c> runs them.
/// </summary>
/// <remarks>
/// <para>
/// The checks read the tables with plain SQL that runs unchanged on PostgreSQL and Redshift. They
/// check the data, not the schema's promises: Redshift does not enforce primary keys or foreign keys,
/// so duplicates and orphans are possible there (and after manual edits anywhere).
/// </para>
/// <para>
/// What "consistent with the last load" can honestly mean. Staging holds exactly the last
/// successful load (README "Star schema"): a load empties it, and a load that fails rolls back with its whole
/// transaction, emptying included, so later failed runs do not change what staging holds. So staging
/// must still have the counts the last successful run recorded; every play it staged must be in
/// <c>songplays</c> (inserted then or already there) and every staged user, song and artist in its
/// dimension; the run cannot have inserted more plays than it staged <c>NextSong</c> events; and the
/// star tables must hold at least the rows it reported adding. Exact totals cannot be expected after
/// incremental loads, which add to earlier ones. Without a successful run the load checks are skipped.
/// </para>
/// </remarks>
public static class WarehouseChecks
{
    /// <summary>Runs every check, in a fixed order, and returns all results (it does not stop at the first failure).</summary>
    /// <example>
    /// <code>
    /// var results = await WarehouseChecks.RunAsync(context);
    /// foreach (var failed in results.Where(r => r.Status == CheckStatus.Failed))
    /// {
    ///     Console.WriteLine($"{failed.Name}: {failed.Detail}");
    /// }
    /// </code>
    /// </example>
    /// <param name="context">A context on the warehouse (migrated).</param>
    /// <param name="cancellationToken">Cancels the checks.</param>
    /// <returns>One result per check.</returns>
    public static async Task<IReadOnlyList<CheckResult>> RunAsync(WarehouseDbContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);

        var results = new List<CheckResult>();
        await context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = context.Database.GetDbConnection();
            var transaction = context.Database.CurrentTransaction?.GetDbTransaction();
            foreach (var check in StarChecks)
            {
                results.Add(await RunCheckAsync(connection, transaction, check, cancellationToken).ConfigureAwait(false));
            }

            results.AddRange(await RunLoadChecksAsync(context, connection, transaction, cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            await context.Database.CloseConnectionAsync().ConfigureAwait(false);
        }

        return results;
    }

    /// <summary>
    /// The checks of the star tables themselves. Each counts the rows that break it, with the
    /// smallest offending key as an example.
    /// </summary>
    internal static IReadOnlyList<SqlCheck> StarChecks { get; } =
    [
        // NULL keys. The columns are NOT NULL on both targets, so these guard against tables made or
        // altered outside the migrations.
        new("songplays.keys-not-null", "songplays has no NULL in songplay_id, start_time, user_id, session_id or item_in_session",
            "songplays with a NULL key column", "songplay_id", "sp.songplay_id",
            "FROM songplays AS sp WHERE sp.songplay_id IS NULL OR sp.start_time IS NULL OR sp.user_id IS NULL OR sp.session_id IS NULL OR sp.item_in_session IS NULL"),
        new("users.keys-not-null", "users has no NULL user_id", "users rows with a NULL user_id", null, null,
            "FROM users AS u WHERE u.user_id IS NULL"),
        new("songs.keys-not-null", "songs has no NULL song_id", "songs rows with a NULL song_id", null, null,
            "FROM songs AS s WHERE s.song_id IS NULL"),
        new("artists.keys-not-null", "artists has no NULL artist_id", "artists rows with a NULL artist_id", null, null,
            "FROM artists AS a WHERE a.artist_id IS NULL"),
        new("time.keys-not-null", "time has no NULL start_time", "time rows with a NULL start_time", null, null,
            "FROM \"time\" AS t WHERE t.start_time IS NULL"),

        // Every fact row has its dimension rows (LEFT JOIN anti-joins: no correlated subqueries).
        new("songplays.user-exists", "every songplay's user_id has a users row", "songplays whose user has no users row", "user_id", "sp.user_id",
            "FROM songplays AS sp LEFT JOIN users AS u ON u.user_id = sp.user_id WHERE u.user_id IS NULL"),
        new("songplays.time-exists", "every songplay's start_time has a time row", "songplays whose start_time has no time row", "start_time", "sp.start_time",
            "FROM songplays AS sp LEFT JOIN \"time\" AS t ON t.start_time = sp.start_time WHERE t.start_time IS NULL"),
        new("songplays.song-exists", "every matched songplay's song_id has a songs row", "matched songplays whose song has no songs row", "song_id", "sp.song_id",
            "FROM songplays AS sp LEFT JOIN songs AS s ON s.song_id = sp.song_id WHERE sp.song_id IS NOT NULL AND s.song_id IS NULL"),
        new("songplays.artist-exists", "every matched songplay's artist_id has an artists row", "matched songplays whose artist has no artists row", "artist_id", "sp.artist_id",
            "FROM songplays AS sp LEFT JOIN artists AS a ON a.artist_id = sp.artist_id WHERE sp.artist_id IS NOT NULL AND a.artist_id IS NULL"),
        new("songplays.song-and-artist-together", "a songplay has both song_id and artist_id (matched) or neither (unmatched)",
            "songplays with only one of song_id and artist_id", "songplay_id", "sp.songplay_id",
            "FROM songplays AS sp WHERE (sp.song_id IS NULL AND sp.artist_id IS NOT NULL) OR (sp.song_id IS NOT NULL AND sp.artist_id IS NULL)"),
        new("songplays.artist-is-song-artist", "a matched songplay's artist_id is its song's artist_id",
            "matched songplays whose artist differs from their song's artist", "song_id", "sp.song_id",
            "FROM songplays AS sp JOIN songs AS s ON s.song_id = sp.song_id WHERE sp.artist_id <> s.artist_id"),
        new("songs.artist-exists", "every song's artist_id has an artists row", "songs whose artist has no artists row", "artist_id", "s.artist_id",
            "FROM songs AS s LEFT JOIN artists AS a ON a.artist_id = s.artist_id WHERE s.artist_id IS NOT NULL AND a.artist_id IS NULL"),
        new("time.has-songplays", "every time row is the start_time of a songplay", "time rows without a songplay", "start_time", "t.start_time",
            "FROM \"time\" AS t LEFT JOIN songplays AS sp ON sp.start_time = t.start_time WHERE sp.songplay_id IS NULL"),
        new("time.parts-match", "time's hour, day, week, month, year and weekday agree with its start_time", "time rows whose parts disagree with start_time", "start_time", "t.start_time",
            """
            FROM "time" AS t
            WHERE COALESCE(t.hour, -1) <> CAST(EXTRACT(HOUR FROM t.start_time) AS INTEGER)
                OR COALESCE(t.day, -1) <> CAST(EXTRACT(DAY FROM t.start_time) AS INTEGER)
                OR COALESCE(t.week, -1) <> CAST(EXTRACT(WEEK FROM t.start_time) AS INTEGER)
                OR COALESCE(t.month, -1) <> CAST(EXTRACT(MONTH FROM t.start_time) AS INTEGER)
                OR COALESCE(t.year, -1) <> CAST(EXTRACT(YEAR FROM t.start_time) AS INTEGER)
                OR COALESCE(t.weekday, -1) <> CAST(EXTRACT(DOW FROM t.start_time) AS INTEGER)
            """),

        // No duplicate keys: Redshift does not enforce uniqueness, so a faulty load could add them.
        new("songplays.play-unique", "no two songplays share (user_id, session_id, item_in_session)", "(user_id, session_id, item_in_session) keys held by more than one songplay",
            "user_id/session_id/item_in_session", "CAST(d.user_id AS VARCHAR(11)) || '/' || CAST(d.session_id AS VARCHAR(11)) || '/' || CAST(d.item_in_session AS VARCHAR(11))",
            "FROM (SELECT sp.user_id, sp.session_id, sp.item_in_session FROM songplays AS sp GROUP BY sp.user_id, sp.session_id, sp.item_in_session HAVING COUNT(*) > 1) AS d"),
        DuplicateCheck("songplays.id-unique", "songplays", "songplay_id"),
        DuplicateCheck("users.id-unique", "users", "user_id"),
        DuplicateCheck("songs.id-unique", "songs", "song_id"),
        DuplicateCheck("artists.id-unique", "artists", "artist_id"),
        DuplicateCheck("time.id-unique", "\"time\"", "start_time"),
    ];

    /// <summary>The staging-against-star checks of the last successful load, whose rows staging still holds.</summary>
    internal static IReadOnlyList<SqlCheck> StagingChecks { get; } =
    [
        // The same definition of a play as the transform: NextSong, identifiable, integer user id.
        // The CASE keeps the cast away from strings that are not integers, whatever the plan.
        new("load.staged-plays-loaded", "every play staged by the last load is in songplays", "staged plays missing from songplays", "user_id/session_id/item_in_session",
            "CAST(p.user_id AS VARCHAR(11)) || '/' || CAST(p.session_id AS VARCHAR(11)) || '/' || CAST(p.item_in_session AS VARCHAR(11))",
            $"""
            FROM (
                SELECT
                    CAST(CASE WHEN {StarSchemaTransform.ValidUserId} THEN e.user_id END AS INTEGER) AS user_id,
                    e.session_id,
                    e.item_in_session
                FROM staging_events AS e
                WHERE e.page = 'NextSong'
                    AND e.ts IS NOT NULL
                    AND e.session_id IS NOT NULL
                    AND e.item_in_session IS NOT NULL
                    AND {StarSchemaTransform.ValidUserId}
            ) AS p
            LEFT JOIN songplays AS sp
                ON sp.user_id = p.user_id AND sp.session_id = p.session_id AND sp.item_in_session = p.item_in_session
            WHERE sp.songplay_id IS NULL
            """),
        new("load.staged-users-loaded", "every user staged by the last load is in users", "staged events whose user has no users row", "user_id", "p.user_id",
            $"""
            FROM (
                SELECT CAST(CASE WHEN {StarSchemaTransform.ValidUserId} THEN e.user_id END AS INTEGER) AS user_id
                FROM staging_events AS e
                WHERE {StarSchemaTransform.ValidUserId}
            ) AS p
            LEFT JOIN users AS u ON u.user_id = p.user_id
            WHERE u.user_id IS NULL
            """),
        new("load.staged-songs-loaded", "every song staged by the last load is in songs", "staged songs missing from songs", "song_id", "ss.song_id",
            "FROM staging_songs AS ss LEFT JOIN songs AS s ON s.song_id = ss.song_id WHERE ss.song_id IS NOT NULL AND s.song_id IS NULL"),
        new("load.staged-artists-loaded", "every artist staged by the last load is in artists", "staged songs whose artist is missing from artists", "artist_id", "ss.artist_id",
            "FROM staging_songs AS ss LEFT JOIN artists AS a ON a.artist_id = ss.artist_id WHERE ss.artist_id IS NOT NULL AND ss.song_id IS NOT NULL AND a.artist_id IS NULL"),
    ];

    /// <summary>Row counts the load checks compare with <c>load_runs</c>, read in one statement.</summary>
    internal const string CountsSql = """
        SELECT
            (SELECT COUNT(*) FROM staging_events) AS staging_events,
            (SELECT COUNT(*) FROM staging_events AS e WHERE e.page = 'NextSong') AS staged_next_song,
            (SELECT COUNT(*) FROM staging_songs) AS staging_songs,
            (SELECT COUNT(*) FROM songplays) AS songplays,
            (SELECT COUNT(*) FROM users) AS users,
            (SELECT COUNT(*) FROM songs) AS songs,
            (SELECT COUNT(*) FROM artists) AS artists,
            (SELECT COUNT(*) FROM "time") AS time_rows
        """;

    private static SqlCheck DuplicateCheck(string name, string table, string key)
    {
        var label = table.Trim('"');
        return new(name, $"no two {label} rows share the same {key}", $"{key} values held by more than one {label} row", key, $"d.{key}",
            $"FROM (SELECT x.{key} FROM {table} AS x GROUP BY x.{key} HAVING COUNT(*) > 1) AS d");
    }

    private static async Task<IReadOnlyList<CheckResult>> RunLoadChecksAsync(
        WarehouseDbContext context, DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        const string StagingName = "load.staging-matches-run";
        const string StagingDescription = "staging holds exactly what the last successful load staged";
        const string WithinName = "load.songplays-within-staged";
        const string WithinDescription = "the last successful load inserted no more songplays than it staged NextSong events";
        const string CoverName = "load.star-covers-run";
        const string CoverDescription = "the star tables hold at least the rows the last successful load reported adding";

        var last = await context.LoadRuns.AsNoTracking()
            .Where(r => r.Status == LoadRunStatus.Succeeded)
            .OrderByDescending(r => r.StartedAt)
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (last is null)
        {
            var reason = await context.LoadRuns.AnyAsync(cancellationToken).ConfigureAwait(false)
                ? "no successful load in load_runs"
                : "no load recorded in load_runs";
            (string Name, string Description)[] all =
            [
                (StagingName, StagingDescription), (WithinName, WithinDescription),
                .. StagingChecks.Select(c => (c.Name, c.Description)), (CoverName, CoverDescription),
            ];
            return [.. all.Select(c => new CheckResult(c.Name, c.Description, CheckStatus.Skipped, reason))];
        }

        var counts = await ReadCountsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var run = $"run {last.RunId} of {last.StartedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC";
        var results = new List<CheckResult>
        {
            new(StagingName, StagingDescription,
                counts.StagingEvents == last.EventsStaged && counts.StagingSongs == last.SongsStaged ? CheckStatus.Passed : CheckStatus.Failed,
                $"staging_events has {counts.StagingEvents} rows and staging_songs {counts.StagingSongs}; {run} staged {last.EventsStaged} events and {last.SongsStaged} songs"),
            new(WithinName, WithinDescription, last.SongPlaysInserted <= counts.StagedNextSong ? CheckStatus.Passed : CheckStatus.Failed,
                $"{run} inserted {last.SongPlaysInserted} songplays; staging holds {counts.StagedNextSong} NextSong events"),
        };
        foreach (var check in StagingChecks)
        {
            results.Add(await RunCheckAsync(connection, transaction, check, cancellationToken).ConfigureAwait(false));
        }

        (string Table, long Rows, long Reported)[] cover =
        [
            ("songplays", counts.SongPlays, last.SongPlaysInserted),
            ("users", counts.Users, last.UsersUpserted),
            ("songs", counts.Songs, last.SongsInserted),
            ("artists", counts.Artists, last.ArtistsUpserted),
            ("time", counts.Time, last.TimeInserted),
        ];
        var shortfalls = cover.Where(c => c.Rows < c.Reported).ToList();
        results.Add(new(CoverName, CoverDescription, shortfalls.Count == 0 ? CheckStatus.Passed : CheckStatus.Failed,
            shortfalls.Count == 0
                ? string.Join(", ", cover.Select(c => $"{c.Table} {c.Rows} >= {c.Reported}")) + $" ({run})"
                : string.Join(", ", shortfalls.Select(c => $"{c.Table} has {c.Rows} rows but {run} added {c.Reported}"))));
        return results;
    }

    private static async Task<CheckResult> RunCheckAsync(DbConnection connection, DbTransaction? transaction, SqlCheck check, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.Transaction = transaction;
            command.CommandText = check.Sql;
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var violations = Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture);
                var example = check.ExampleExpression is not null && !reader.IsDBNull(1) ? reader.GetString(1) : null;
                return new CheckResult(check.Name, check.Description, violations == 0 ? CheckStatus.Passed : CheckStatus.Failed,
                    $"{violations} {check.Problem}" + (example is null ? "" : $", e.g. {check.ExampleLabel} {example}"));
            }
        }
    }

    private static async Task<Counts> ReadCountsAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.Transaction = transaction;
            command.CommandText = CountsSql;
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                long Read(int i) => Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture);
                return new Counts(Read(0), Read(1), Read(2), Read(3), Read(4), Read(5), Read(6), Read(7));
            }
        }
    }

    private sealed record Counts(long StagingEvents, long StagedNextSong, long StagingSongs, long SongPlays, long Users, long Songs, long Artists, long Time);
}

/// <summary>
/// A check that counts offending rows with one portable SQL statement: <c>SELECT COUNT(*)</c>, plus
/// the smallest offending key as text when <see cref="ExampleExpression"/> is given, over
/// <see cref="FromWhere"/>.
/// </summary>
internal sealed record SqlCheck(string Name, string Description, string Problem, string? ExampleLabel, string? ExampleExpression, string FromWhere)
{
    public string Sql => ExampleExpression is null
        ? $"SELECT COUNT(*) AS violations\n{FromWhere}"
        : $"SELECT COUNT(*) AS violations, MIN(CAST({ExampleExpression} AS VARCHAR(256))) AS example\n{FromWhere}";
}
