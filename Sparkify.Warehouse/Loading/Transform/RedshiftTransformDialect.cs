namespace Sparkify.Warehouse.Loading.Transform;

/// <summary>
/// The Redshift fragments of the star-schema transform: no <c>COLLATE</c> (VARCHAR always compares
/// bytewise, and the grammar does not accept it), no <c>DISTINCT ON</c>, no <c>RETURNING</c>, and no
/// <c>TRUNCATE</c> inside the load (it would commit the open transaction).
/// </summary>
internal sealed class RedshiftTransformDialect : TransformDialect
{
    public static readonly RedshiftTransformDialect Instance = new();

    private RedshiftTransformDialect()
    {
    }

    public override string TextOrder => "";

    public override string DatePart(string field, string timestamp) => $"EXTRACT({field} FROM {timestamp})";

    // One window over the batch's events: a columnar MPP sort, with no hash aggregate to gain from.
    public override bool AggregatesLatestUserEvents => false;

    public override string JoinFirstRow => "\n    AND m.rn = 1";

    public override string WhereFirstRow => "p.rn = 1\n    AND ";

    // One table per statement, as Redshift requires. Redshift documents no restriction on ANALYZE
    // inside a transaction (it does for VACUUM).
    public override IEnumerable<TransformStep> RefreshStatistics(bool deriveSongs)
    {
        yield return new("staging_events", "ANALYZE staging_events", false);
        if (deriveSongs)
        {
            yield return new("staging_songs", "ANALYZE staging_songs", false) { DerivesSongs = true };
        }
    }

    // DELETE rather than TRUNCATE, so a failed load rolls the refresh back; the space comes back with VACUUM.
    public override IEnumerable<TransformStep> EmptyStarTables() =>
    [
        new("songplays", "DELETE FROM songplays", false),
        new("users", "DELETE FROM users", false),
        new("songs", "DELETE FROM songs", false),
        new("artists", "DELETE FROM artists", false),
        new("time", "DELETE FROM \"time\"", false),
    ];

    public override FirstRowPerGroup FirstRowPerGroup(string key, string order)
        => new("", $",\n        ROW_NUMBER() OVER (PARTITION BY {key} ORDER BY {order}) AS rn", "");

    public override IEnumerable<TransformStep> PlaysAndTime(Func<string, string, string> newSongPlaysInsert)
    {
        yield return new("songplays", newSongPlaysInsert("", ""), true);

        // No RETURNING: the new plays are found again in songplays, reading only the batch's time
        // range (the sort key's zone maps skip the rest). Taking the start times from songplays
        // itself, not from staging, keeps time exactly the set of distinct start times.
        yield return new("time", StarSchemaTransform.NewTimeInsert(this, """
            SELECT DISTINCT sp.start_time
            FROM songplays AS sp
            WHERE sp.start_time >= (
                SELECT TIMESTAMP 'epoch' + MIN(e.ts) * INTERVAL '1 millisecond' FROM staging_events AS e
            )
                AND sp.start_time <= (
                    SELECT TIMESTAMP 'epoch' + MAX(e.ts) * INTERVAL '1 millisecond' FROM staging_events AS e
                )
            """, orderBy: "", returning: ""), true);
    }
}
