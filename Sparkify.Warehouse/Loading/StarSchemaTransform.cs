using System.Data.Common;

namespace Sparkify.Warehouse.Loading;

/// <summary>One statement of a transform.</summary>
/// <param name="Table">
/// The table the statement serves: a star table (<c>songplays</c>, <c>users</c>, <c>songs</c>,
/// <c>artists</c>, <c>time</c>), or a staging table for the statistics refresh.
/// </param>
/// <param name="Sql">The statement, without a trailing semicolon.</param>
/// <param name="CountsRows">Whether the rows it affects count as inserted/updated rows of <paramref name="Table"/>.</param>
internal sealed record TransformStep(string Table, string Sql, bool CountsRows)
{
    /// <summary>
    /// The statement returns one row whose columns are named after star tables and hold the rows it
    /// inserted into each (a PostgreSQL statement that writes several tables through data-modifying CTEs).
    /// </summary>
    public bool ReturnsCounts { get; init; }

    /// <summary>
    /// For a statement made of data-modifying CTEs, the inserts it runs, each as a plain statement
    /// (without its <c>ORDER BY</c> and <c>RETURNING</c>): what SQL linters that know no such CTEs can check.
    /// </summary>
    public IReadOnlyList<string> Parts { get; init; } = [];
}

/// <summary>Rows a transform inserted (or, for users and artists, inserted or updated) per star table.</summary>
internal sealed record TransformCounts(long SongPlays, long Users, long Songs, long Artists, long Time);

/// <summary>
/// Derives the star schema from the two staging tables (SPEC §3) with set-based SQL that runs
/// unchanged on PostgreSQL 15 and Amazon Redshift, apart from the two differences explained at
/// <see cref="TextOrder"/> and <see cref="EmptyStarTables"/>.
/// </summary>
/// <remarks>
/// <para>
/// Every statement only adds what the staged batch brings (anti-joins on the natural keys), so a load
/// costs work proportional to its batch, re-loading the same files changes nothing, and loading
/// batches A then B leaves the same star tables as A and B together, in either order: users keep the
/// time of the event their values came from and artists the song theirs came from, and only a newer
/// event (or a smaller song id) replaces them.
/// </para>
/// <para>
/// Redshift-portable on purpose: no <c>ON CONFLICT</c>, <c>DISTINCT ON</c>, <c>IS DISTINCT FROM</c>,
/// arrays, <c>generate_series</c>, <c>RETURNING</c> or <c>MERGE ... WHEN MATCHED AND</c>; upserts are
/// <c>UPDATE ... FROM</c> a temp table followed by <c>INSERT ... WHERE NOT EXISTS</c>, the pattern
/// AWS recommends for staging-table merges.
/// </para>
/// </remarks>
internal static class StarSchemaTransform
{
    /// <summary>How the PostgreSQL statement that inserts the new plays and their time rows begins.</summary>
    internal const string PlaysAndTimeStatementStart = "WITH inserted_plays AS (";

    /// <summary>Name of the temp table holding each staged user's latest event.</summary>
    internal const string UserCandidatesTable = "sparkify_transform_users";

    /// <summary>Name of the temp table holding each staged artist's values (from its smallest song id).</summary>
    internal const string ArtistCandidatesTable = "sparkify_transform_artists";

    // What "the userId is an integer" means: an optional minus sign and 1 to 10 ASCII digits whose
    // value fits the INTEGER columns users.user_id / songplays.user_id. SIMILAR TO matches the whole
    // string on both targets (a POSIX '$' might match before a trailing newline on Redshift); the
    // digit count is checked apart because PostgreSQL's regex engine pays for a bounded repeat
    // ({1,10}) on every one of a million events, about a tenth of a second per statement. The cast
    // to BIGINT sits inside CASE so it only ever sees strings of at most 11 characters that passed
    // the pattern; "9999999999" is then rejected by the range check instead of overflowing.
    // Leading zeros are allowed ("007" is user 7), signs other than '-', spaces, decimals and
    // exponents are not. Internal so that sparkify check applies the very same rule (alias "e").
    internal const string ValidUserId =
        "CASE WHEN e.user_id SIMILAR TO '-?[0-9]+' AND CHAR_LENGTH(LTRIM(e.user_id, '-')) <= 10 "
        + "THEN CAST(e.user_id AS BIGINT) BETWEEN -2147483648 AND 2147483647 ELSE FALSE END";

    // A missing ts/itemInSession ranks below every real event when picking a user's latest event,
    // and is stored as this floor so later loads compare against the same value.
    private const string TsFloor = "-9223372036854775807";
    private const string ItemFloor = "-2147483647";

    /// <summary>
    /// The ordered statements of one transform, for execution and for <c>--dry-run</c>. Dimensions
    /// come before the fact that refers to them, and <c>time</c> after <c>songplays</c>, from which
    /// it is derived.
    /// </summary>
    /// <param name="provider">The target database.</param>
    /// <param name="fullRefresh">Empty the star tables first, so they hold exactly what is staged.</param>
    /// <param name="songsUnchanged">
    /// The staged songs are the last successful load's, kept as they were (PostgreSQL only): that load
    /// derived songs and artists from these very rows, so those steps, and the songs' statistics, are
    /// skipped. Ignored with <paramref name="fullRefresh"/>, which empties songs and artists.
    /// </param>
    public static IReadOnlyList<TransformStep> Steps(WarehouseProvider provider, bool fullRefresh, bool songsUnchanged = false)
    {
        var deriveSongs = fullRefresh || !songsUnchanged;
        var c = TextOrder(provider);
        var steps = new List<TransformStep>();
        if (provider == WarehouseProvider.Postgres)
        {
            // The plans below only need row counts and rough distinct counts: a tenth of the default
            // sample (3,000 rows instead of 30,000) gives those and makes ANALYZE of a million staged
            // events several times cheaper. Transaction-local, and it only affects ANALYZE.
            steps.Add(new("staging_events", "SET LOCAL default_statistics_target = 10", false));
        }

        // Staging was just emptied and refilled; without fresh statistics the planner may pick nested
        // loops over a million events. One table per statement, as Redshift requires. PostgreSQL runs
        // ANALYZE inside a transaction (and sees the transaction's own rows); Redshift documents no
        // such restriction for ANALYZE (it does for VACUUM). On PostgreSQL only the columns the
        // statements below filter, group or join on are analyzed: the rest never reach an estimate,
        // and skipping them halves the cost of a small batch's statistics.
        var postgres = provider == WarehouseProvider.Postgres;
        steps.Add(new("staging_events", postgres
            ? "ANALYZE staging_events (user_id, session_id, item_in_session, ts, page, song, artist, length)"
            : "ANALYZE staging_events", false));
        if (deriveSongs)
        {
            steps.Add(new("staging_songs", postgres
                ? "ANALYZE staging_songs (song_id, artist_id, title, artist_name, duration)"
                : "ANALYZE staging_songs", false));
        }

        if (fullRefresh)
        {
            steps.AddRange(EmptyStarTables(provider));
        }

        if (deriveSongs)
        {
            // songs: one row per song id; a song id staged twice keeps the row first in (artist_id,
            // title, year, duration) order. Insert-only: a song id already loaded keeps its row.
            steps.Add(new("songs", $"""
                INSERT INTO songs (song_id, title, artist_id, year, duration)
                SELECT s.song_id, s.title, s.artist_id, s.year, s.duration
                FROM (
                    SELECT
                        ss.song_id,
                        ss.title,
                        ss.artist_id,
                        ss.year,
                        ss.duration,
                        ROW_NUMBER() OVER (
                            PARTITION BY ss.song_id
                            ORDER BY ss.artist_id{c}, ss.title{c}, ss.year, ss.duration
                        ) AS rn
                    FROM staging_songs AS ss
                    WHERE ss.song_id IS NOT NULL
                ) AS s
                WHERE s.rn = 1
                    AND NOT EXISTS (SELECT 1 FROM songs AS x WHERE x.song_id = s.song_id)
                """, true));

            // artists: the values of the artist's song with the smallest song id (ties on the same song
            // id broken by the values themselves), kept with that song id so a later load replaces them
            // only with a smaller one.
            steps.Add(new("artists", $"""
                CREATE TEMP TABLE {ArtistCandidatesTable} AS
                SELECT a.artist_id, a.name, a.location, a.latitude, a.longitude, a.source_song_id
                FROM (
                    SELECT
                        ss.artist_id,
                        ss.artist_name AS name,
                        ss.artist_location AS location,
                        ss.artist_latitude AS latitude,
                        ss.artist_longitude AS longitude,
                        ss.song_id AS source_song_id,
                        ROW_NUMBER() OVER (
                            PARTITION BY ss.artist_id
                            ORDER BY
                                ss.song_id{c}, ss.artist_name{c}, ss.artist_location{c},
                                ss.artist_latitude, ss.artist_longitude
                        ) AS rn
                    FROM staging_songs AS ss
                    WHERE ss.artist_id IS NOT NULL AND ss.song_id IS NOT NULL
                ) AS a
                WHERE a.rn = 1
                """, false));
            steps.Add(new("artists", $"""
                UPDATE artists
                SET
                    name = a.name,
                    location = a.location,
                    latitude = a.latitude,
                    longitude = a.longitude,
                    source_song_id = a.source_song_id
                FROM {ArtistCandidatesTable} AS a
                WHERE artists.artist_id = a.artist_id
                    AND a.source_song_id{c} < artists.source_song_id{c}
                """, true));
            steps.Add(new("artists", $"""
                INSERT INTO artists (artist_id, name, location, latitude, longitude, source_song_id)
                SELECT a.artist_id, a.name, a.location, a.latitude, a.longitude, a.source_song_id
                FROM {ArtistCandidatesTable} AS a
                WHERE NOT EXISTS (SELECT 1 FROM artists AS x WHERE x.artist_id = a.artist_id)
                """, true));
            steps.Add(new("artists", $"DROP TABLE {ArtistCandidatesTable}", false));
        }

        // users: every staged event of a valid user id counts, not only plays (SPEC: "seen in any
        // event"). The latest is the greatest (ts, itemInSession); exact ties, which real data does
        // not have, fall back to the values so the choice is still deterministic. An existing row is
        // replaced only by a strictly newer event, so an older batch loaded later never reverts it.
        steps.Add(new("users", $"""
            CREATE TEMP TABLE {UserCandidatesTable} AS
            SELECT
                u.user_id, u.first_name, u.last_name, u.gender, u.level,
                u.last_event_ts, u.last_item_in_session
            FROM (
                SELECT
                    CAST(e.user_id AS INTEGER) AS user_id,
                    e.first_name,
                    e.last_name,
                    e.gender,
                    e.level,
                    COALESCE(e.ts, {TsFloor}) AS last_event_ts,
                    COALESCE(e.item_in_session, {ItemFloor}) AS last_item_in_session,
                    ROW_NUMBER() OVER (
                        PARTITION BY CAST(e.user_id AS INTEGER)
                        ORDER BY
                            COALESCE(e.ts, {TsFloor}) DESC,
                            COALESCE(e.item_in_session, {ItemFloor}) DESC,
                            e.level{c}, e.first_name{c}, e.last_name{c}, e.gender{c}
                    ) AS rn
                FROM staging_events AS e
                WHERE {ValidUserId}
            ) AS u
            WHERE u.rn = 1
            """, false));
        steps.Add(new("users", $"""
            UPDATE users
            SET
                first_name = u.first_name,
                last_name = u.last_name,
                gender = u.gender,
                level = u.level,
                last_event_ts = u.last_event_ts,
                last_item_in_session = u.last_item_in_session
            FROM {UserCandidatesTable} AS u
            WHERE users.user_id = u.user_id
                AND (
                    u.last_event_ts > users.last_event_ts
                    OR (
                        u.last_event_ts = users.last_event_ts
                        AND u.last_item_in_session > users.last_item_in_session
                    )
                )
            """, true));
        steps.Add(new("users", $"""
            INSERT INTO users (user_id, first_name, last_name, gender, level, last_event_ts, last_item_in_session)
            SELECT u.user_id, u.first_name, u.last_name, u.gender, u.level, u.last_event_ts, u.last_item_in_session
            FROM {UserCandidatesTable} AS u
            WHERE NOT EXISTS (SELECT 1 FROM users AS x WHERE x.user_id = u.user_id)
            """, true));
        steps.Add(new("users", $"DROP TABLE {UserCandidatesTable}", false));

        // songplays: one row per NextSong event of a valid user id that is not yet loaded, by its
        // natural key (user, session, itemInSession). An event without ts, sessionId or itemInSession
        // cannot be timed or identified and is skipped. Duplicates within the batch collapse to the
        // one with the greatest ts, then the smallest values. The song is the staged song with equal
        // title, artist name and duration (exact double equality, as SPEC §3 says) and the smallest
        // song id; no match leaves song and artist NULL. start_time keeps the milliseconds.
        //
        // time: the start times of the plays just inserted that have no time row yet. Every play
        // already in songplays has its time row (each load adds both in one transaction), so the new
        // plays are all that can bring a new start time, and no history is read.
        if (provider == WarehouseProvider.Postgres)
        {
            // One statement: the insert hands its start times straight to the time insert (RETURNING),
            // instead of the time step reading the new plays back out of songplays. Plays go in in
            // the order the dedupe sorted them, their natural key's, so the key index is filled
            // mostly at its right edge; time rows go in sorted, at the right edge of their key.
            //
            // That order only survives if the plays are matched to the songs by hashing. On a day's
            // batch the planner underestimates the plays several times over and prefers a merge join,
            // which re-sorts them by song title, so each play's probe into the key index of a
            // warehouse's worth of songplays, and its insert, lands at random: 15% of a day's load.
            // Transaction-local; no later statement of the load joins anything.
            steps.Add(new("songplays", "SET LOCAL enable_mergejoin = off", false));
            steps.Add(new("songplays", $"""
                {PlaysAndTimeStatementStart}
                {NewSongPlaysInsert(provider, "RETURNING start_time")}
                ),
                inserted_times AS (
                {NewTimeInsert("SELECT DISTINCT i.start_time FROM inserted_plays AS i", "ORDER BY d.start_time", "RETURNING 1")}
                )
                SELECT
                    (SELECT COUNT(*) FROM inserted_plays) AS songplays,
                    (SELECT COUNT(*) FROM inserted_times) AS "time"
                """, false)
            {
                ReturnsCounts = true,
                Parts = [NewSongPlaysInsert(provider, ""), NewTimeInsert("SELECT DISTINCT i.start_time FROM songplays AS i", "", "")],
            });

            return steps;
        }

        steps.Add(new("songplays", NewSongPlaysInsert(provider, returning: ""), true));

        // Redshift has no RETURNING: the new plays are found again in songplays, reading only the
        // batch's time range (the sort key's zone maps skip the rest). Taking the start times from
        // songplays itself, not from staging, keeps time exactly the set of distinct start times.
        steps.Add(new("time", NewTimeInsert("""
            SELECT DISTINCT sp.start_time
            FROM songplays AS sp
            WHERE sp.start_time >= (
                SELECT TIMESTAMP 'epoch' + MIN(e.ts) * INTERVAL '1 millisecond' FROM staging_events AS e
            )
                AND sp.start_time <= (
                    SELECT TIMESTAMP 'epoch' + MAX(e.ts) * INTERVAL '1 millisecond' FROM staging_events AS e
                )
            """, orderBy: "", returning: ""), true));

        return steps;
    }

    /// <summary>
    /// The insert of the batch's new plays (see <see cref="Steps"/>), with an optional PostgreSQL
    /// <c>RETURNING</c>. Both targets pick each play's winning event and each song match the same
    /// way; PostgreSQL says so with <c>DISTINCT ON</c>, Redshift (which lacks it) with
    /// <c>ROW_NUMBER() ... = 1</c>.
    /// </summary>
    /// <remarks>
    /// The difference matters to PostgreSQL's planner: it estimates <c>rn = 1</c> as 0.5% of the rows,
    /// so on a warehouse with statistics it would match a day's plays to the songs with a nested loop
    /// (tens of thousands of plays times every staged song, a minute); <c>DISTINCT ON</c> is estimated
    /// as the number of groups, and the match stays a hash join.
    /// </remarks>
    private static string NewSongPlaysInsert(WarehouseProvider provider, string returning)
    {
        var c = TextOrder(provider);
        const string PlayKey = "CAST(e.user_id AS INTEGER), e.session_id, e.item_in_session";
        var playOrder = $"e.ts DESC, e.level{c}, e.song{c}, e.artist{c}, e.length, e.location{c}, e.user_agent{c}";
        const string MatchKey = "ss.title, ss.artist_name, ss.duration";
        var matchOrder = $"ss.song_id{c}, ss.artist_id{c}";
        var postgres = provider == WarehouseProvider.Postgres;
        return $"""
            INSERT INTO songplays (
                start_time, user_id, level, song_id, artist_id, session_id, location, user_agent, item_in_session
            )
            SELECT
                TIMESTAMP 'epoch' + p.ts * INTERVAL '1 millisecond',
                p.user_id,
                p.level,
                m.song_id,
                m.artist_id,
                p.session_id,
                p.location,
                p.user_agent,
                p.item_in_session
            FROM (
                SELECT{(postgres ? $" DISTINCT ON ({PlayKey})" : "")}
                    CAST(e.user_id AS INTEGER) AS user_id,
                    e.session_id,
                    e.item_in_session,
                    e.ts,
                    e.level,
                    e.song,
                    e.artist,
                    e.length,
                    e.location,
                    e.user_agent{(postgres ? "" : $",\n        ROW_NUMBER() OVER (PARTITION BY {PlayKey} ORDER BY {playOrder}) AS rn")}
                FROM staging_events AS e
                WHERE e.page = 'NextSong'
                    AND e.ts IS NOT NULL
                    AND e.session_id IS NOT NULL
                    AND e.item_in_session IS NOT NULL
                    AND {ValidUserId}{(postgres ? $"\n    ORDER BY {PlayKey}, {playOrder}" : "")}
            ) AS p
            LEFT JOIN (
                SELECT{(postgres ? $" DISTINCT ON ({MatchKey})" : "")}
                    ss.title,
                    ss.artist_name,
                    ss.duration,
                    ss.song_id,
                    ss.artist_id{(postgres ? "" : $",\n        ROW_NUMBER() OVER (PARTITION BY {MatchKey} ORDER BY {matchOrder}) AS rn")}
                FROM staging_songs AS ss
                WHERE ss.song_id IS NOT NULL{(postgres ? $"\n    ORDER BY {MatchKey}, {matchOrder}" : "")}
            ) AS m
                ON m.title = p.song
                AND m.artist_name = p.artist
                AND m.duration = p.length{(postgres ? "" : "\n    AND m.rn = 1")}
            WHERE {(postgres ? "" : "p.rn = 1\n    AND ")}NOT EXISTS (
                    SELECT 1
                    FROM songplays AS x
                    WHERE x.user_id = p.user_id
                        AND x.session_id = p.session_id
                        AND x.item_in_session = p.item_in_session
                )
            {returning}
            """.TrimEnd();
    }

    /// <summary>The insert of the time rows for the start times <paramref name="startTimes"/> selects (column <c>start_time</c>) that have none yet.</summary>
    private static string NewTimeInsert(string startTimes, string orderBy, string returning) => $"""
        INSERT INTO "time" (start_time, hour, day, week, month, year, weekday)
        SELECT
            d.start_time,
            CAST(EXTRACT(HOUR FROM d.start_time) AS INTEGER),
            CAST(EXTRACT(DAY FROM d.start_time) AS INTEGER),
            CAST(EXTRACT(WEEK FROM d.start_time) AS INTEGER),
            CAST(EXTRACT(MONTH FROM d.start_time) AS INTEGER),
            CAST(EXTRACT(YEAR FROM d.start_time) AS INTEGER),
            CAST(EXTRACT(DOW FROM d.start_time) AS INTEGER)
        FROM (
            {startTimes}
        ) AS d
        WHERE NOT EXISTS (SELECT 1 FROM "time" AS t WHERE t.start_time = d.start_time)
        {orderBy}
        {returning}
        """.TrimEnd();

    /// <summary>
    /// Runs <see cref="Steps"/> on an open connection inside the caller's transaction, so a failure
    /// anywhere leaves the star tables as they were once the caller rolls back.
    /// </summary>
    /// <returns>Rows inserted (users and artists: inserted or updated) per star table.</returns>
    public static async Task<TransformCounts> ApplyAsync(
        DbConnection connection,
        DbTransaction transaction,
        WarehouseProvider provider,
        bool fullRefresh,
        CancellationToken cancellationToken,
        bool songsUnchanged = false)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(transaction);

        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var step in Steps(provider, fullRefresh, songsUnchanged))
        {
            var command = connection.CreateCommand();
            await using (command.ConfigureAwait(false))
            {
                command.Transaction = transaction;
                command.CommandText = step.Sql;
                // A transform of a million events can take minutes on either target; the load as a
                // whole is bounded by the caller's cancellation token instead of the 30 s default.
                command.CommandTimeout = 0;
                if (step.ReturnsCounts)
                {
                    await ReadCountsAsync(command, counts, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var affected = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                if (step.CountsRows && affected > 0)
                {
                    counts[step.Table] = counts.GetValueOrDefault(step.Table) + affected;
                }
            }
        }

        return new TransformCounts(
            counts.GetValueOrDefault("songplays"),
            counts.GetValueOrDefault("users"),
            counts.GetValueOrDefault("songs"),
            counts.GetValueOrDefault("artists"),
            counts.GetValueOrDefault("time"));
    }

    private static async Task ReadCountsAsync(DbCommand command, Dictionary<string, long> counts, CancellationToken cancellationToken)
    {
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            for (var i = 0; i < reader.FieldCount; i++)
            {
                var table = reader.GetName(i);
                counts[table] = counts.GetValueOrDefault(table) + reader.GetInt64(i);
            }
        }
    }

    /// <summary>
    /// The one expression-level difference: "smallest song id" and the other tie-breaks compare text
    /// by code point. Redshift always compares VARCHAR bytewise; PostgreSQL uses the database's
    /// collation (e.g. en_US, where 'SOa' &lt; 'SOB'), so it is told to use "C" explicitly — which
    /// Redshift's grammar does not accept.
    /// </summary>
    private static string TextOrder(WarehouseProvider provider)
        => provider == WarehouseProvider.Postgres ? " COLLATE \"C\"" : "";

    /// <summary>
    /// Full refresh. PostgreSQL's TRUNCATE is transactional (rolled back with the load) and frees the
    /// space at once. Redshift's TRUNCATE commits the open transaction, which would make a failed load
    /// leave empty star tables, so Redshift gets DELETE (its space comes back with VACUUM).
    /// </summary>
    private static IEnumerable<TransformStep> EmptyStarTables(WarehouseProvider provider)
    {
        if (provider == WarehouseProvider.Postgres)
        {
            // One statement for all five tables; it is listed under the fact table.
            return [new("songplays", "TRUNCATE TABLE songplays, users, songs, artists, \"time\"", false)];
        }

        return
        [
            new("songplays", "DELETE FROM songplays", false),
            new("users", "DELETE FROM users", false),
            new("songs", "DELETE FROM songs", false),
            new("artists", "DELETE FROM artists", false),
            new("time", "DELETE FROM \"time\"", false),
        ];
    }
}
