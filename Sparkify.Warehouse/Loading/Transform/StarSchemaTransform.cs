namespace Sparkify.Warehouse.Loading.Transform;

/// <summary>
/// Derives the star schema from the two staging tables with set-based SQL that runs unchanged on
/// PostgreSQL 15 and Amazon Redshift, apart from the few fragments a <see cref="TransformDialect"/>
/// supplies; <see cref="TransformRunner"/> executes the steps.
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

    /// <summary>Name of the temp table holding each staged song id's row.</summary>
    internal const string SongCandidatesTable = "sparkify_transform_songs";

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
    /// <param name="reload">
    /// Every file is re-read: plays loaded before the warehouse kept their match keys get them from
    /// their staged events. Ignored with <paramref name="fullRefresh"/>.
    /// </param>
    public static IReadOnlyList<TransformStep> Steps(WarehouseProvider provider, bool fullRefresh, bool songsUnchanged = false, bool reload = false)
    {
        var steps = AllSteps(TransformDialect.For(provider), fullRefresh, reload && !fullRefresh);
        return fullRefresh || !songsUnchanged ? steps : [.. steps.Where(step => !step.DerivesSongs)];
    }

    private static List<TransformStep> AllSteps(TransformDialect dialect, bool fullRefresh, bool backfillMatchKeys)
    {
        var c = dialect.TextOrder;
        // Staging was just emptied and refilled; without fresh statistics the planner may pick nested
        // loops over a million events.
        var steps = new List<TransformStep>(dialect.RefreshStatistics(deriveSongs: true));
        if (fullRefresh)
        {
            steps.AddRange(dialect.EmptyStarTables());
        }

        // songs: one row per song id; a song id staged twice keeps the row first in (artist_id,
        // title, year, duration, artist name) order. Insert-only: a song id already loaded keeps its
        // row. The row keeps its artist name as staged: with title and duration it is the key plays
        // are matched on, in this load and every later one.
        steps.Add(new("songs", $"""
            CREATE TEMP TABLE {SongCandidatesTable} AS
            SELECT s.song_id, s.title, s.artist_id, s.year, s.duration, s.artist_name
            FROM (
                SELECT
                    ss.song_id,
                    ss.title,
                    ss.artist_id,
                    ss.year,
                    ss.duration,
                    ss.artist_name,
                    ROW_NUMBER() OVER (
                        PARTITION BY ss.song_id
                        ORDER BY ss.artist_id{c}, ss.title{c}, ss.year, ss.duration, ss.artist_name{c}
                    ) AS rn
                FROM staging_songs AS ss
                WHERE ss.song_id IS NOT NULL
            ) AS s
            WHERE s.rn = 1
            """, false) { DerivesSongs = true });

        // Songs loaded before the warehouse kept artist names have none: the same song's staged row
        // fills it in, so re-reading the song files (load --reload) completes an older warehouse.
        steps.Add(new("songs", $"""
            UPDATE songs
            SET artist_name = s.artist_name
            FROM {SongCandidatesTable} AS s
            WHERE songs.song_id = s.song_id
                AND songs.artist_name IS NULL
                AND s.artist_name IS NOT NULL
            """, false) { DerivesSongs = true });
        steps.Add(new("songs", $"""
            INSERT INTO songs (song_id, title, artist_id, year, duration, artist_name)
            SELECT s.song_id, s.title, s.artist_id, s.year, s.duration, s.artist_name
            FROM {SongCandidatesTable} AS s
            WHERE NOT EXISTS (SELECT 1 FROM songs AS x WHERE x.song_id = s.song_id)
            """, true) { DerivesSongs = true });
        steps.Add(new("songs", $"DROP TABLE {SongCandidatesTable}", false) { DerivesSongs = true });

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
            """, false) { DerivesSongs = true });
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
            """, true) { DerivesSongs = true });
        steps.Add(new("artists", $"""
            INSERT INTO artists (artist_id, name, location, latitude, longitude, source_song_id)
            SELECT a.artist_id, a.name, a.location, a.latitude, a.longitude, a.source_song_id
            FROM {ArtistCandidatesTable} AS a
            WHERE NOT EXISTS (SELECT 1 FROM artists AS x WHERE x.artist_id = a.artist_id)
            """, true) { DerivesSongs = true });
        steps.Add(new("artists", $"DROP TABLE {ArtistCandidatesTable}", false) { DerivesSongs = true });
        if (backfillMatchKeys)
        {
            steps.Add(PlayMatchKeysBackfill(dialect));
        }

        steps.Add(Rematch(dialect));

        // users: every staged event of a valid user id counts, not only plays. The latest is the
        // greatest (ts, itemInSession); exact ties, which real data does not have, fall back to the
        // values so the choice is still deterministic. An existing row is replaced only by a strictly
        // newer event, so an older batch loaded later never reverts it.
        steps.Add(new("users", $"""
            CREATE TEMP TABLE {UserCandidatesTable} AS
            {(dialect.AggregatesLatestUserEvents ? LatestEventPerUserByAggregate(c) : LatestEventPerUserByRank(c))}
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
        // one with the greatest ts, then the smallest values. The song is the warehouse's song (any
        // load's, not only this one's) with equal title, artist name and duration (exact double
        // equality) and the smallest song id; no match leaves song and artist NULL, until a later load
        // brings the song (see Rematch). The play keeps its own title, artist and length for that.
        // start_time keeps the milliseconds.
        //
        // time: the start times of the plays just inserted that have no time row yet. Every play
        // already in songplays has its time row (each load adds both in one transaction), so the new
        // plays are all that can bring a new start time, and no history is read.
        steps.AddRange(dialect.PlaysAndTime((onlyIf, returning) => NewSongPlaysInsert(dialect, onlyIf, returning)));
        return steps;
    }

    /// <summary>
    /// Each valid user's latest event (see <see cref="Steps"/>), by numbering every event of the user in
    /// recency order, ties broken by the values.
    /// </summary>
    private static string LatestEventPerUserByRank(string c) => $"""
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
        """;

    /// <summary>
    /// The same rows as <see cref="LatestEventPerUserByRank"/> (PostgreSQL): the greatest ts of each staged
    /// user id text by hash aggregate, then only the events at it, a few per user, are checked against the
    /// user-id rule and sorted by the full order. Sorting every staged event by user and recency is what
    /// costs; "007" and "7" are one user, so the final order still starts with the ts. The greatest ts
    /// reach the join as one array of (user id text, ts) pairs, an init plan the leader computes (itself by
    /// parallel aggregate) and hands to the workers: joined as a subquery instead, they kept the scan of
    /// every staged event that finds the events at them on the leader alone. <c>OFFSET 0</c>
    /// keeps the planner from pushing the rule down to every staged event. The text columns are selected
    /// in the order's collation so that the sort carries each once.
    /// </summary>
    private static string LatestEventPerUserByAggregate(string c) => $"""
        SELECT DISTINCT ON (CAST(e.user_id AS INTEGER))
            CAST(e.user_id AS INTEGER) AS user_id,
            e.first_name{c} AS first_name,
            e.last_name{c} AS last_name,
            e.gender{c} AS gender,
            e.level{c} AS level,
            e.last_event_ts,
            COALESCE(e.item_in_session, {ItemFloor}) AS last_item_in_session
        FROM (
            SELECT ev.user_id, ev.first_name, ev.last_name, ev.gender, ev.level, l.last_event_ts, ev.item_in_session
            FROM staging_events AS ev
            INNER JOIN unnest((
                SELECT array_agg(ROW(x.user_id, x.last_event_ts))
                FROM (
                    SELECT x.user_id, MAX(COALESCE(x.ts, {TsFloor})) AS last_event_ts
                    FROM staging_events AS x
                    GROUP BY x.user_id
                ) AS x
            )) AS l (user_id TEXT, last_event_ts BIGINT) ON l.user_id = ev.user_id AND l.last_event_ts = COALESCE(ev.ts, {TsFloor})
            OFFSET 0
        ) AS e
        WHERE {ValidUserId}
        ORDER BY
            CAST(e.user_id AS INTEGER),
            e.last_event_ts DESC,
            COALESCE(e.item_in_session, {ItemFloor}) DESC,
            e.level{c}, e.first_name{c}, e.last_name{c}, e.gender{c}
        """;

    /// <summary>
    /// The insert of the batch's new plays (see <see cref="Steps"/>), only if the condition
    /// <paramref name="onlyIf"/> holds (when not empty), with an optional PostgreSQL <c>RETURNING</c>.
    /// Both targets pick each play's winning event and its song the same way, in one pass with each
    /// dialect's <see cref="TransformDialect.FirstRowPerGroup"/>.
    /// </summary>
    internal static string NewSongPlaysInsert(TransformDialect dialect, string onlyIf, string returning) => $"""
        INSERT INTO songplays (
            {string.Join(", ", NewPlayColumns)}
        )
        {NewPlays(dialect, numbered: false)}
        WHERE {dialect.WhereFirstRow}NOT EXISTS (
                SELECT 1
                FROM songplays AS x
                WHERE x.user_id = p.user_id
                    AND x.session_id = p.session_id
                    AND x.item_in_session = p.item_in_session
            ){OnlyIf(onlyIf)}
        {returning}
        """.TrimEnd();

    /// <summary>
    /// Every play of the batch with each songplays column under its name, <c>songplay_id</c> numbering
    /// them from 1 in their natural key's order, the order the identity gives them when they are
    /// inserted (PostgreSQL: the plays of a batch going into an empty songplays).
    /// </summary>
    internal static string NumberedNewPlays(TransformDialect dialect) => NewPlays(dialect, numbered: true);

    /// <summary>The songplays columns a load writes; <c>songplay_id</c> is the identity's.</summary>
    internal static readonly string[] NewPlayColumns =
    [
        "start_time", "user_id", "level", "song_id", "artist_id", "session_id", "location", "user_agent", "item_in_session",
        "song_title", "artist_name", "song_length",
    ];

    /// <summary>
    /// The batch's plays (alias <c>p</c>) with their songs, each value named after its songplays column,
    /// for a <c>WHERE</c> to follow; numbered: with <c>songplay_id</c> first.
    /// </summary>
    private static string NewPlays(TransformDialect dialect, bool numbered)
    {
        var winners = WinningPlays(dialect, matchSongs: true);
        // The numbering follows the dedupe's own order (its key comes first in it), so it sorts nothing.
        var plays = numbered
            ? $"""
                SELECT ROW_NUMBER() OVER (ORDER BY w.user_id, w.session_id, w.item_in_session) AS songplay_id, w.*
                FROM (
                {winners}
                ) AS w
                """
            : winners;
        return $"""
            SELECT{(numbered ? "\n    p.songplay_id," : "")}
                TIMESTAMP 'epoch' + p.ts * INTERVAL '1 millisecond' AS start_time,
                p.user_id,
                p.level,
                p.song_id,
                p.artist_id,
                p.session_id,
                p.location,
                p.user_agent,
                p.item_in_session,
                p.song AS song_title,
                p.artist AS artist_name,
                p.length AS song_length
            FROM (
            {plays}
            ) AS p
            """;
    }

    /// <summary>The condition <paramref name="onlyIf"/> as a further <c>AND</c> of a <c>WHERE</c> clause, or nothing.</summary>
    private static string OnlyIf(string onlyIf) => onlyIf.Length == 0 ? "" : $"\n    AND {onlyIf}";

    /// <summary>The columns a play is matched to a song on, as the songs table (alias <c>s</c>) holds them.</summary>
    private const string MatchKey = "s.title, s.artist_name, s.duration";

    /// <summary>
    /// The staged plays, one per natural key (user, session, itemInSession): the event with the greatest
    /// ts, then the smallest values. On Redshift each row carries <c>rn</c>, and only <c>rn = 1</c> counts.
    /// The text columns are selected in the order's collation: on PostgreSQL a column and its
    /// <c>COLLATE "C"</c> form are two sort columns otherwise, and the dedupe sort of every staged play
    /// would carry each text twice. With <paramref name="matchSongs"/>, each play also carries the
    /// <c>song_id</c> and <c>artist_id</c> of the song with the smallest id among those with its title,
    /// artist name and length (none when no song matches).
    /// </summary>
    private static string WinningPlays(TransformDialect dialect, bool matchSongs)
    {
        var c = dialect.TextOrder;
        const string PlayKey = "CAST(e.user_id AS INTEGER), e.session_id, e.item_in_session";
        // The events are matched to the songs before the dedupe, and the song with the smallest id is the
        // last tie-break of the dedupe's order: the winning event's values are all its columns, so among
        // its rows (one per matching song) only the song id differs. Matching only the winners to the
        // songs' first rows per key instead had to sort every song of the warehouse on every load: a
        // day's plays against 400,000 songs took about a second that way, and a quarter of it with the
        // events matched first (the songs hashed, not sorted).
        var songOrder = matchSongs ? $", s.song_id{c}" : "";
        var play = dialect.FirstRowPerGroup(PlayKey, $"e.ts DESC, e.level{c}, e.song{c}, e.artist{c}, e.length, e.location{c}, e.user_agent{c}{songOrder}");
        var songColumns = matchSongs ? $",\n        s.song_id{c} AS song_id,\n        s.artist_id" : "";
        var songJoin = matchSongs
            ? """

                LEFT JOIN songs AS s
                    ON s.title = e.song
                    AND s.artist_name = e.artist
                    AND s.duration = e.length
            """
            : "";
        return $"""
                SELECT{play.Distinct}
                    CAST(e.user_id AS INTEGER) AS user_id,
                    e.session_id,
                    e.item_in_session,
                    e.ts,
                    e.level{c} AS level,
                    e.song{c} AS song,
                    e.artist{c} AS artist,
                    e.length,
                    e.location{c} AS location,
                    e.user_agent{c} AS user_agent{songColumns}{play.RankColumn}
                FROM staging_events AS e{songJoin}
                WHERE e.page = 'NextSong'
                    AND e.ts IS NOT NULL
                    AND e.session_id IS NOT NULL
                    AND e.item_in_session IS NOT NULL
                    AND {ValidUserId}{play.OrderBy}
            """;
    }

    /// <summary>
    /// Plays loaded before the warehouse kept each play's song title, artist name and length have none:
    /// the same play's staged event fills them in (only when every file is re-read, <c>load --reload</c>).
    /// </summary>
    private static TransformStep PlayMatchKeysBackfill(TransformDialect dialect) => new("songplays", $"""
        UPDATE songplays
        SET song_title = p.song, artist_name = p.artist, song_length = p.length
        FROM (
        {WinningPlays(dialect, matchSongs: false)}
        ) AS p
        WHERE {dialect.WhereFirstRow}songplays.user_id = p.user_id
            AND songplays.session_id = p.session_id
            AND songplays.item_in_session = p.item_in_session
            AND songplays.song_title IS NULL
            AND songplays.artist_name IS NULL
            AND songplays.song_length IS NULL
            AND (p.song IS NOT NULL OR p.artist IS NOT NULL OR p.length IS NOT NULL)
        """, false);

    /// <summary>
    /// Late-arriving songs: earlier plays whose key matches a song staged in this load, and that have no
    /// song yet or one with a larger song id, get the song with the smallest id of that key — the match
    /// one load of every file would have made. Only keys of staged songs are looked at, so a load
    /// without new songs touches no play.
    /// </summary>
    private static TransformStep Rematch(TransformDialect dialect)
    {
        var c = dialect.TextOrder;
        var match = dialect.FirstRowPerGroup(MatchKey, $"s.song_id{c}");
        return new("songplays", $"""
            UPDATE songplays
            SET song_id = m.song_id, artist_id = m.artist_id
            FROM (
                SELECT{match.Distinct}
                    s.title,
                    s.artist_name,
                    s.duration,
                    s.song_id,
                    s.artist_id{match.RankColumn}
                FROM songs AS s
                WHERE EXISTS (
                    SELECT 1
                    FROM staging_songs AS ss
                    WHERE ss.title = s.title
                        AND ss.artist_name = s.artist_name
                        AND ss.duration = s.duration
                ){match.OrderBy}
            ) AS m
            WHERE songplays.song_title = m.title
                AND songplays.artist_name = m.artist_name
                AND songplays.song_length = m.duration{dialect.JoinFirstRow}
                AND (songplays.song_id IS NULL OR m.song_id{c} < songplays.song_id{c})
            """, false) { DerivesSongs = true };
    }

    /// <summary>The time table's columns: a start time, then its hour, day, week, month, year and weekday.</summary>
    internal static readonly string[] TimeColumns = ["start_time", "hour", "day", "week", "month", "year", "weekday"];

    /// <summary>
    /// The select list of the time row of <paramref name="startTime"/>, each value under its <see cref="TimeColumns"/>
    /// name, its parts taken with <paramref name="dialect"/>'s <see cref="TransformDialect.DatePart"/>.
    /// </summary>
    internal static string TimeRow(TransformDialect dialect, string startTime)
        => string.Join(
            ",\n    ",
            [
                $"{startTime} AS start_time",
                .. new[] { "HOUR", "DAY", "WEEK", "MONTH", "YEAR", "DOW" }.Select((part, i) => $"CAST({dialect.DatePart(part, startTime)} AS INTEGER) AS {TimeColumns[i + 1]}"),
            ]);

    /// <summary>
    /// The insert of the time rows for the start times <paramref name="startTimes"/> selects (column
    /// <c>start_time</c>) that have none yet, its parts taken with <paramref name="dialect"/>'s
    /// <see cref="TransformDialect.DatePart"/>; only if the condition <paramref name="onlyIf"/> holds, when given.
    /// </summary>
    internal static string NewTimeInsert(TransformDialect dialect, string startTimes, string orderBy, string returning, string onlyIf = "") => $"""
        INSERT INTO "time" ({string.Join(", ", TimeColumns)})
        SELECT
            {TimeRow(dialect, "d.start_time")}
        FROM (
            {startTimes}
        ) AS d
        WHERE NOT EXISTS (SELECT 1 FROM "time" AS t WHERE t.start_time = d.start_time){OnlyIf(onlyIf)}
        {orderBy}
        {returning}
        """.TrimEnd();
}
