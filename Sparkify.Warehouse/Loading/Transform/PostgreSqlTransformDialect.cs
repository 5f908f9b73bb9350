namespace Sparkify.Warehouse.Loading.Transform;

/// <summary>The PostgreSQL fragments of the star-schema transform.</summary>
internal sealed class PostgreSqlTransformDialect : TransformDialect
{
    public static readonly PostgreSqlTransformDialect Instance = new();

    private PostgreSqlTransformDialect()
    {
    }

    // PostgreSQL compares text with the database's collation (e.g. en_US, where 'SOa' < 'SOB'), so the
    // tie-breaks ask for "C", byte order, explicitly.
    public override string TextOrder => " COLLATE \"C\"";

    // EXTRACT returns numeric (since PostgreSQL 14), date_part double precision: the same whole numbers
    // for these parts, and about twice as fast over a million start times.
    public override string DatePart(string field, string timestamp) => $"date_part('{field.ToLowerInvariant()}', {timestamp})";

    // Sorting every staged event by user and recency was most of the users step (a million events,
    // about 0.6 s); a hash aggregate of each user's greatest ts leaves a few events per user to sort.
    public override bool AggregatesLatestUserEvents => true;

    public override string JoinFirstRow => "";

    public override string WhereFirstRow => "";

    public override IEnumerable<TransformStep> RefreshStatistics(bool deriveSongs)
    {
        // The plans below only need row counts and rough distinct counts: a tenth of the default
        // sample (3,000 rows instead of 30,000) gives those and makes ANALYZE of a million staged
        // events several times cheaper. Transaction-local, and it only affects ANALYZE.
        yield return new("staging_events", "SET LOCAL default_statistics_target = 10", false);

        // ANALYZE runs inside the transaction and sees its own rows. Only the columns the statements
        // filter, group or join on are analyzed: the rest never reach an estimate, and skipping them
        // halves the cost of a small batch's statistics.
        yield return new("staging_events", "ANALYZE staging_events (user_id, session_id, item_in_session, ts, page, song, artist, length)", false);
        if (deriveSongs)
        {
            yield return new("staging_songs", "ANALYZE staging_songs (song_id, artist_id, title, artist_name, duration)", false) { DerivesSongs = true };
        }
    }

    // TRUNCATE is transactional here (rolled back with the load) and frees the space at once. One
    // statement for all five tables; it is listed under the fact table.
    public override IEnumerable<TransformStep> EmptyStarTables()
        => [new("songplays", "TRUNCATE TABLE songplays, users, songs, artists, \"time\"", false)];

    // DISTINCT ON rather than ROW_NUMBER() ... = 1: the planner estimates rn = 1 as 0.5% of the rows,
    // so on a warehouse with statistics it would match a day's plays to the songs with a nested loop
    // (tens of thousands of plays times every staged song, a minute); DISTINCT ON is estimated as the
    // number of groups, and the match stays a hash join.
    public override FirstRowPerGroup FirstRowPerGroup(string key, string order)
        => new($" DISTINCT ON ({key})", "", $"\n    ORDER BY {key}, {order}");

    public override IEnumerable<TransformStep> PlaysAndTime(Func<string, string, string> newSongPlaysInsert)
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
        //
        // The start times are deduplicated by sorting them (DISTINCT ON), not by the hash aggregate the
        // planner picks for a plain DISTINCT: a sort of the bare timestamps leaves the sort of the time
        // rows nothing to reorder, where a hash table of every distinct start time (most are distinct)
        // cost a tenth of the statement at a million events.
        yield return new("songplays", "SET LOCAL enable_mergejoin = off", false);
        yield return DeferKeyIndexes;
        yield return new("songplays", $"""
            {StarSchemaTransform.PlaysAndTimeStatementStart}
            {newSongPlaysInsert(KeysInPlace, "RETURNING start_time")}
            ),
            inserted_times AS (
            {StarSchemaTransform.NewTimeInsert(this, "SELECT DISTINCT ON (i.start_time) i.start_time FROM inserted_plays AS i ORDER BY i.start_time", "ORDER BY d.start_time", "RETURNING 1")}
            )
            SELECT
                (SELECT COUNT(*) FROM inserted_plays) AS songplays,
                (SELECT COUNT(*) FROM inserted_times) AS "time"
            """, false)
        {
            ReturnsCounts = true,
            Parts = [newSongPlaysInsert(KeysInPlace, ""), StarSchemaTransform.NewTimeInsert(this, "SELECT DISTINCT i.start_time FROM songplays AS i", "", "")],
            Note = "inserts nothing when the statement before dropped the key indexes of the empty songplays and time tables: the next two insert the rows then",
        };

        // Into the empty tables whose key indexes were deferred, the same rows in two statements: the
        // plays, then the time rows of every start time in songplays (all of them this load's). At a
        // million plays that measured 0.3-0.4 s faster than the statement above. Each of the three
        // runs only on its own path: its condition has no columns, so PostgreSQL checks it once,
        // before reading anything, and the statements of the other path cost only their planning.
        const string IntoEmptyTables = "inserts only when the key indexes of the empty songplays and time tables were dropped above, nothing otherwise";
        yield return new("songplays", newSongPlaysInsert(KeysDeferred, ""), true) { Note = IntoEmptyTables };
        yield return new("time", StarSchemaTransform.NewTimeInsert(
            this, "SELECT DISTINCT ON (i.start_time) i.start_time FROM songplays AS i ORDER BY i.start_time", "ORDER BY d.start_time", "", KeysDeferred), true)
        {
            Note = IntoEmptyTables,
        };
        yield return RebuildKeyIndexes;
    }

    // Whether DeferKeyIndexes dropped the key indexes: its temp table exists until they are rebuilt.
    private const string KeysInPlace = $"to_regclass('pg_temp.{DeferredKeysTable}') IS NULL";

    private const string KeysDeferred = $"NOT {KeysInPlace}";

    /// <summary>Name of the temp table holding the definitions of the key indexes <see cref="DeferKeyIndexes"/> dropped.</summary>
    internal const string DeferredKeysTable = "sparkify_deferred_keys";

    // An empty warehouse (the first load, or a full refresh) is filled the way pg_restore fills a
    // table: rows first, then each key index built once from sorted input, instead of maintained row
    // by row (measured: a fifth of the plays-and-time statement's time on 250k events). The two big
    // tables only; the dimensions are small. The indexes' own definitions are kept and replayed, so
    // whatever the migrations made is what comes back, in the same transaction: a failed load rolls
    // the drop back with everything else. The statement before it must not rely on the keys: plays
    // are deduplicated by their natural key and time rows by start_time inside the statement, and a
    // duplicate would still fail the load when its unique index is built.
    //
    // Only when nobody else could notice: both tables empty, owned by the loader's role, no foreign
    // key pointing at them, no exclusion constraint and no index in a tablespace of its own (which the
    // replayed definition would not name); and only if the exclusive lock is free right
    // away (a reader of the empty tables, or an operator's lock, keeps the ordinary path).
    private static readonly TransformStep DeferKeyIndexes = new("songplays", $"""
        DO $sparkify$
        -- Only into empty songplays and time tables: their key indexes are dropped here (their definitions
        -- kept) and built again once the rows are in.
        DECLARE
            tables CONSTANT regclass[] := ARRAY['songplays'::regclass, '"time"'::regclass];
            r record;
        BEGIN
            BEGIN
                LOCK TABLE songplays, "time" IN ACCESS EXCLUSIVE MODE NOWAIT;
            EXCEPTION WHEN lock_not_available THEN
                RETURN;
            END;
            IF EXISTS (SELECT 1 FROM songplays) OR EXISTS (SELECT 1 FROM "time")
                OR EXISTS (SELECT 1 FROM pg_class AS c WHERE c.oid = ANY (tables) AND NOT pg_has_role(c.relowner, 'USAGE'))
                OR EXISTS (SELECT 1 FROM pg_constraint AS k WHERE k.confrelid = ANY (tables) OR (k.conrelid = ANY (tables) AND k.contype = 'x'))
                OR EXISTS (SELECT 1 FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid WHERE i.indrelid = ANY (tables) AND c.reltablespace <> 0)
            THEN
                RETURN;
            END IF;
            CREATE TEMP TABLE {DeferredKeysTable} (position serial, definition text NOT NULL) ON COMMIT DROP;
            FOR r IN
                SELECT i.indexrelid, i.indrelid, k.conname, k.oid AS constraint_oid
                FROM pg_index AS i
                LEFT JOIN pg_constraint AS k ON k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u')
                WHERE i.indrelid = ANY (tables)
            LOOP
                IF r.conname IS NOT NULL THEN
                    INSERT INTO {DeferredKeysTable} (definition)
                    VALUES (format('ALTER TABLE %s ADD CONSTRAINT %I %s', r.indrelid::regclass, r.conname, pg_get_constraintdef(r.constraint_oid)));
                    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.indrelid::regclass, r.conname);
                ELSE
                    INSERT INTO {DeferredKeysTable} (definition) VALUES (pg_get_indexdef(r.indexrelid));
                    EXECUTE format('DROP INDEX %s', r.indexrelid::regclass);
                END IF;
            END LOOP;
        END
        $sparkify$
        """, false);

    // Builds the indexes DeferKeyIndexes dropped, if it dropped any.
    private static readonly TransformStep RebuildKeyIndexes = new("songplays", $"""
        DO $sparkify$
        -- Builds the key indexes dropped before the insert, if any were.
        DECLARE
            definition text;
        BEGIN
            IF {KeysInPlace} THEN
                RETURN;
            END IF;
            FOR definition IN SELECT d.definition FROM {DeferredKeysTable} AS d ORDER BY d.position LOOP
                EXECUTE definition;
            END LOOP;
            DROP TABLE {DeferredKeysTable};
        END
        $sparkify$
        """, false);
}
