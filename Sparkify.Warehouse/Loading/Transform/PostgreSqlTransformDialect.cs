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
        // The plays are matched to their songs below the dedupe's sort, so they keep that order
        // whatever the join. The match is kept a hash join all the same: on a day's batch the planner
        // underestimates the plays several times over and may prefer a merge join, which would sort
        // every song of the warehouse by title on every load. Transaction-local; no later statement
        // of the load joins anything.
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
            Note = "inserts nothing when the statement before dropped the key indexes of the empty songplays and time tables: the statements after it put the rows in then",
        };

        // Into the empty tables whose key indexes were deferred, the same rows by statements of their
        // own: the plays (into a songplays built anew when nothing else depends on it, by an insert
        // otherwise), then the time rows of every start time in songplays (all of them this load's), the
        // same way. At a million plays the separate time insert measured 0.3-0.4 s faster than the
        // statement above, and building the time table anew, in parallel, about 0.4 s faster again.
        // Each insert runs only on its own path: its condition has no columns, so PostgreSQL checks it
        // once, before reading anything, and the statements of the other paths cost only their planning.
        yield return BuildPlaysAside;
        yield return new("songplays", newSongPlaysInsert($"{KeysDeferred} AND {PlaysAside.Built} IS NULL", ""), true)
        {
            Note = "inserts only when the key indexes of the empty songplays and time tables were dropped above and the statement before did not build songplays anew, nothing otherwise",
        };
        yield return BuildTimeAside;
        yield return new("time", StarSchemaTransform.NewTimeInsert(
            this, "SELECT DISTINCT ON (i.start_time) i.start_time FROM songplays AS i ORDER BY i.start_time", "ORDER BY d.start_time", "", $"{KeysDeferred} AND {TimeAside.Built} IS NULL"), true)
        {
            Note = "inserts only when the key indexes of the empty songplays and time tables were dropped above and the statement before did not build time anew, nothing otherwise",
        };
        yield return new("songplays", $"""
            SELECT
                CAST(COALESCE({PlaysAside.Built}, '0') AS BIGINT) AS songplays,
                CAST(COALESCE({TimeAside.Built}, '0') AS BIGINT) AS "time"
            """, false)
        {
            ReturnsCounts = true,
            Note = "the rows of the songplays and time tables built anew above, if they were",
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
    // Only when nobody else could notice: both tables empty, owned by the loader's role, which may
    // create in their schema (building an index needs that, even on one's own table), no foreign
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
                OR EXISTS (
                    SELECT 1 FROM pg_class AS c
                    WHERE c.oid = ANY (tables) AND (NOT pg_has_role(c.relowner, 'USAGE') OR NOT has_schema_privilege(c.relnamespace, 'CREATE')))
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

    // Into the empty songplays and time whose key indexes were deferred, the rows go in by CREATE TABLE ...
    // AS, the one way a PostgreSQL statement that writes rows can read and sort them in parallel (an
    // INSERT ... SELECT never gets a parallel plan); the new table then takes the old one's place. At a
    // million events the dedupe sort of the staged plays is most of their insert, and the second core
    // takes half of it: the plays 0.3-0.5 s faster, the whole transform about 1 s (the bench's
    // transform alone); the time rows' sort and parts on two cores another 0.3 s. The ids are what the
    // identity would have given, in the same order, and the identity goes on from there.
    //
    // The new table is the old one as the catalog describes it: each column's type, collation and NOT
    // NULL, songplays' identity and its sequence's options, the table's and columns' comments; the key
    // indexes come back with the others by RebuildKeyIndexes. Only when nothing else is there to carry
    // over, and the privileges granted on it (by the loader's role, which owns it): the table holds
    // exactly the columns the load writes and no identity but songplays' own, nothing depends on it or its row type but its TOAST table and
    // identity sequence (no view, foreign key, trigger, rule, policy, check constraint, default,
    // statistics object or publication), neither it nor its sequence has storage options, a security
    // label or a tablespace of its own, its sequence has no privileges granted and its owner none
    // revoked, it is owned by the loader's role itself, which has no default privileges, and it is no
    // partition and has no inheritance.
    // Otherwise the rows go in by the INSERT after it, as into any table.
    private static TransformStep BuildAside(AsideTable table)
    {
        var identity = table.Identity is not null;
        var objects = identity ? "target, sequence_name::regclass" : "target";
        var checkIdentity = identity ? "sequence_name IS NULL\n        OR " : "";
        var sequenceChecks = identity
            ? """

                        OR COALESCE((SELECT c.relacl FROM pg_class AS c WHERE c.oid = sequence_name::regclass), acldefault('s', loader)) <> acldefault('s', loader)
                        OR EXISTS (SELECT 1 FROM pg_sequence AS q WHERE q.seqrelid = sequence_name::regclass AND q.seqincrement <> 1)
                """
            : "";
        var identityValue = identity
            ? $"CASE WHEN a.attname = '{table.Identity}' THEN format('%s + q.%I', base, a.attname) ELSE format('q.%I', a.attname) END"
            : "format('q.%I', a.attname)";
        var otherIdentities = identity ? $" AND a.attname <> '{table.Identity}'" : "";
        var declareIdentity = identity
            ? """

                    identity_kind "char";
                    sequence_name text;
                    seq pg_sequence;
                    seq_last bigint;
                    seq_called boolean;
                    base bigint;
                """
            : "";
        var readIdentity = identity
            ? $"""

                    SELECT a.attidentity, pg_get_serial_sequence(target::text, a.attname) INTO identity_kind, sequence_name
                    FROM pg_attribute AS a WHERE a.attrelid = target AND a.attname = '{table.Identity}' AND a.attidentity <> '';
                """
            : "";
        var readSequence = identity
            ? """

                    SELECT * INTO seq FROM pg_sequence AS q WHERE q.seqrelid = sequence_name::regclass;
                    EXECUTE format('SELECT last_value, is_called FROM %s', sequence_name) INTO seq_last, seq_called;
                    base := CASE WHEN seq_called THEN seq_last ELSE seq_last - 1 END;
                """
            : "";
        var checkSequenceRange = identity
            ? """

                    IF base + inserted > seq.seqmax THEN
                        RAISE EXCEPTION 'nextval: reached maximum value of sequence "%" (%)', sequence_name, seq.seqmax
                            USING ERRCODE = 'sequence_generator_limit_exceeded';
                    END IF;
                """
            : "";
        var restoreIdentity = identity
            ? $"""

                    EXECUTE format('ALTER TABLE %I.%I ALTER COLUMN {table.Identity} ADD GENERATED %s AS IDENTITY '
                            '(SEQUENCE NAME %s START WITH %s INCREMENT BY 1 MINVALUE %s MAXVALUE %s CACHE %s %s)',
                        schema_name, table_name, CASE identity_kind WHEN 'a' THEN 'ALWAYS' ELSE 'BY DEFAULT' END, sequence_name,
                        seq.seqstart, seq.seqmin, seq.seqmax, seq.seqcache, CASE WHEN seq.seqcycle THEN 'CYCLE' ELSE 'NO CYCLE' END);
                    PERFORM setval(sequence_name, CASE WHEN inserted > 0 THEN base + inserted ELSE seq_last END, inserted > 0 OR seq_called);
                """
            : "";
        // The planner prices handing each row from a parallel worker to the leader (parallel_tuple_cost)
        // so high that it sorts a million start times on one core; measured, two cores sort them and
        // compute their parts in about two thirds of the time. Only for this statement.
        var (favourParallel, restoreCosts) = table.FavoursParallel
            ? ("""

                    tuple_cost := current_setting('parallel_tuple_cost');
                    PERFORM set_config('parallel_tuple_cost', '0', true);
                """, """

                    PERFORM set_config('parallel_tuple_cost', tuple_cost, true);
                """)
            : ("", "");
        var declareCosts = table.FavoursParallel ? "\n    tuple_cost text;" : "";
        return new(table.Name, $"""
            DO $sparkify$
            -- Into the empty {table.Name} whose key indexes were dropped, and only when nothing else depends on it: the
            -- rows are selected in parallel into a new table, which then takes the old one's place.
            DECLARE
                target CONSTANT regclass := '"{table.Name}"'::regclass;
                written CONSTANT name[] := ARRAY[{string.Join(", ", table.Columns.Select(c => $"'{c}'"))}];
                aside CONSTANT name := '{table.AsideName}';
                loader CONSTANT oid := (SELECT r.oid FROM pg_roles AS r WHERE r.rolname = current_user);
                schema_name name;
                table_name name;
                schema_oid oid;
                table_acl aclitem[];{declareIdentity}
                columns text;
                not_nulls text;
                inserted bigint;{declareCosts}
                r record;
            BEGIN
                PERFORM set_config('{table.BuiltSetting}', '', true);
                IF {KeysInPlace} THEN
                    RETURN;
                END IF;
                SELECT n.nspname, c.relname, c.relnamespace, c.relacl INTO schema_name, table_name, schema_oid, table_acl
                FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace WHERE c.oid = target;{readIdentity}
                IF {checkIdentity}to_regclass(format('%I.%I', schema_name, aside)) IS NOT NULL
                    OR (SELECT array_agg(a.attname ORDER BY a.attname) FROM pg_attribute AS a WHERE a.attrelid = target AND a.attnum > 0 AND NOT a.attisdropped)
                        IS DISTINCT FROM (SELECT array_agg(w ORDER BY w) FROM unnest(written) AS w)
                    OR EXISTS (SELECT 1 FROM pg_attribute AS a WHERE a.attrelid = target AND NOT a.attisdropped AND a.attidentity <> ''{otherIdentities})
                    OR EXISTS (
                        SELECT 1 FROM pg_depend AS d
                        WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = target
                            AND NOT (d.deptype = 'i' AND d.classid IN ('pg_type'::regclass, 'pg_class'::regclass)))
                    OR EXISTS (
                        SELECT 1 FROM pg_depend AS d JOIN pg_class AS c ON c.oid = target
                        WHERE d.refclassid = 'pg_type'::regclass AND d.refobjid = c.reltype
                            AND NOT (d.deptype = 'i' AND d.classid = 'pg_type'::regclass))
                    OR EXISTS (
                        SELECT 1 FROM pg_class AS c LEFT JOIN pg_class AS t ON t.oid = c.reltoastrelid
                        WHERE c.oid IN ({objects})
                            AND (c.reloptions IS NOT NULL OR t.reloptions IS NOT NULL OR c.relispartition
                                OR c.relhassubclass OR c.relrowsecurity OR (c.oid = target AND c.relreplident <> 'd') OR c.reltablespace <> 0
                                OR c.relowner <> loader))
                    OR EXISTS (SELECT 1 FROM aclexplode(table_acl) AS g WHERE g.grantor <> loader)
                    OR EXISTS (
                        SELECT 1 FROM aclexplode(acldefault('r', loader)) AS g
                        WHERE NOT EXISTS (
                            SELECT 1 FROM aclexplode(COALESCE(table_acl, acldefault('r', loader))) AS h
                            WHERE h.grantee = loader AND h.privilege_type = g.privilege_type))
                    OR EXISTS (SELECT 1 FROM pg_inherits AS i WHERE i.inhrelid = target)
                    OR EXISTS (SELECT 1 FROM pg_seclabel AS l WHERE l.objoid IN ({objects}))
                    OR EXISTS (
                        SELECT 1 FROM pg_default_acl AS p
                        WHERE p.defaclrole = loader AND p.defaclnamespace IN (0, schema_oid))
                    OR EXISTS (
                        SELECT 1 FROM pg_attribute AS a JOIN pg_type AS t ON t.oid = a.atttypid
                        WHERE a.attrelid = target AND a.attnum > 0 AND NOT a.attisdropped
                            AND (a.attacl IS NOT NULL OR a.attoptions IS NOT NULL OR a.attfdwoptions IS NOT NULL OR a.attstattarget <> -1
                                OR a.attcompression <> '' OR a.attstorage <> t.typstorage OR a.attgenerated <> '')){sequenceChecks}
                THEN
                    RETURN;
                END IF;{readSequence}
                SELECT
                    string_agg(format('CAST(%s AS %s)%s AS %I',
                        {identityValue},
                        format_type(a.atttypid, a.atttypmod),
                        CASE WHEN a.attcollation <> 0 THEN format(' COLLATE %I.%I', cn.nspname, co.collname) ELSE '' END,
                        a.attname), ', ' ORDER BY a.attnum),
                    string_agg(format('ALTER COLUMN %I SET NOT NULL', a.attname), ', ' ORDER BY a.attnum) FILTER (WHERE a.attnotnull)
                INTO columns, not_nulls
                FROM pg_attribute AS a
                LEFT JOIN pg_collation AS co ON co.oid = a.attcollation
                LEFT JOIN pg_namespace AS cn ON cn.oid = co.collnamespace
                WHERE a.attrelid = target AND a.attnum > 0 AND NOT a.attisdropped;{favourParallel}
                EXECUTE format('CREATE TABLE %I.%I AS SELECT %s FROM (%s) AS q', schema_name, aside, columns, $rows$
            {table.Rows}
            $rows$);
                GET DIAGNOSTICS inserted = ROW_COUNT;{restoreCosts}{checkSequenceRange}
                IF not_nulls IS NOT NULL THEN
                    EXECUTE format('ALTER TABLE %I.%I %s', schema_name, aside, not_nulls);
                END IF;
                FOR r IN
                    SELECT d.objsubid, a.attname, d.description
                    FROM pg_description AS d
                    LEFT JOIN pg_attribute AS a ON a.attrelid = d.objoid AND a.attnum = d.objsubid
                    WHERE d.objoid = target AND d.classoid = 'pg_class'::regclass
                LOOP
                    IF r.objsubid = 0 THEN
                        EXECUTE format('COMMENT ON TABLE %I.%I IS %L', schema_name, aside, r.description);
                    ELSE
                        EXECUTE format('COMMENT ON COLUMN %I.%I.%I IS %L', schema_name, aside, r.attname, r.description);
                    END IF;
                END LOOP;
                FOR r IN
                    SELECT g.grantee, g.privilege_type, g.is_grantable
                    FROM aclexplode(table_acl) AS g
                    WHERE g.grantee <> loader
                LOOP
                    EXECUTE format('GRANT %s ON TABLE %I.%I TO %s%s', r.privilege_type, schema_name, aside,
                        CASE WHEN r.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r.grantee)) END,
                        CASE WHEN r.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
                END LOOP;
                EXECUTE format('DROP TABLE %s', target);
                EXECUTE format('ALTER TABLE %I.%I RENAME TO %I', schema_name, aside, table_name);{restoreIdentity}
                PERFORM set_config('{table.BuiltSetting}', inserted::text, true);
            END
            $sparkify$
            """, false)
        {
            Parts = [table.Rows],
            Note = $"builds {table.Name} anew only when the key indexes of the empty songplays and time tables were dropped above and nothing else depends on {table.Name}, nothing otherwise",
        };
    }

    /// <summary>A star table <see cref="BuildAside"/> may build anew, and the rows it selects into it.</summary>
    /// <param name="Name">The table's name.</param>
    /// <param name="Columns">Every column the load writes, which must be all of the table's.</param>
    /// <param name="Identity">The identity column the selected rows number from 1, if any.</param>
    /// <param name="Rows">The query of the rows, each column under its name.</param>
    /// <param name="FavoursParallel">Whether the query is planned as if rows passed from parallel workers for free.</param>
    private sealed record AsideTable(string Name, IReadOnlyList<string> Columns, string? Identity, string Rows, bool FavoursParallel)
    {
        /// <summary>The name of the table built before it takes the star table's place.</summary>
        public string AsideName => AsideTableName(Name);

        /// <summary>
        /// The setting holding how many rows the table was built with, if it was: local to the load's
        /// transaction (a placeholder setting reads as empty, not NULL, once a transaction of the session
        /// has set it).
        /// </summary>
        public string BuiltSetting => $"sparkify.{Name}_built";

        public string Built => $"NULLIF(current_setting('{BuiltSetting}', true), '')";
    }

    /// <summary>Name of the table <see cref="BuildAside"/> builds before it takes <paramref name="table"/>'s place.</summary>
    internal static string AsideTableName(string table) => $"sparkify_{table}_aside";

    private static readonly AsideTable PlaysAside = new(
        "songplays", ["songplay_id", .. StarSchemaTransform.NewPlayColumns], "songplay_id", StarSchemaTransform.NumberedNewPlays(Instance), FavoursParallel: false);

    // Every start time of songplays, which all came in with this load; their parts are computed by the
    // rows' scan, below the sort, so the parallel workers compute them.
    private static readonly AsideTable TimeAside = new(
        "time",
        StarSchemaTransform.TimeColumns,
        Identity: null,
        $"""
        SELECT DISTINCT ON (i.start_time)
            {StarSchemaTransform.TimeRow(Instance, "i.start_time")}
        FROM songplays AS i
        ORDER BY i.start_time
        """,
        FavoursParallel: true);

    private static readonly TransformStep BuildPlaysAside = BuildAside(PlaysAside);

    private static readonly TransformStep BuildTimeAside = BuildAside(TimeAside);

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
