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

    public override IEnumerable<TransformStep> PlaysAndTime(Func<string, string> newSongPlaysInsert)
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
        yield return new("songplays", "SET LOCAL enable_mergejoin = off", false);
        yield return new("songplays", $"""
            {StarSchemaTransform.PlaysAndTimeStatementStart}
            {newSongPlaysInsert("RETURNING start_time")}
            ),
            inserted_times AS (
            {StarSchemaTransform.NewTimeInsert("SELECT DISTINCT i.start_time FROM inserted_plays AS i", "ORDER BY d.start_time", "RETURNING 1")}
            )
            SELECT
                (SELECT COUNT(*) FROM inserted_plays) AS songplays,
                (SELECT COUNT(*) FROM inserted_times) AS "time"
            """, false)
        {
            ReturnsCounts = true,
            Parts = [newSongPlaysInsert(""), StarSchemaTransform.NewTimeInsert("SELECT DISTINCT i.start_time FROM songplays AS i", "", "")],
        };
    }
}
