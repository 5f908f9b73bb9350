namespace Sparkify.Warehouse.Loading.Transform;

/// <summary>
/// The few fragments of the star-schema transform that differ between the targets; everything else
/// in <see cref="StarSchemaTransform"/> is the same SQL on both.
/// </summary>
internal abstract class TransformDialect
{
    public static TransformDialect For(WarehouseProvider provider)
        => provider == WarehouseProvider.Postgres ? PostgreSqlTransformDialect.Instance : RedshiftTransformDialect.Instance;

    /// <summary>
    /// Appended to a text column in an ORDER BY or comparison so that "smallest song id" and the other
    /// tie-breaks compare text by code point on both targets.
    /// </summary>
    public abstract string TextOrder { get; }

    /// <summary>
    /// A part of a timestamp (<c>HOUR</c>, <c>DAY</c>, <c>WEEK</c>, <c>MONTH</c>, <c>YEAR</c>, <c>DOW</c>) as a number
    /// that casts to the integer <c>EXTRACT</c> gives.
    /// </summary>
    public abstract string DatePart(string field, string timestamp);

    /// <summary>
    /// Whether each user's latest event is found by aggregating each user's greatest ts first (and
    /// sorting only the events at it) rather than by ranking every event of the user.
    /// </summary>
    public abstract bool AggregatesLatestUserEvents { get; }

    /// <summary>The statistics refresh of the freshly staged tables (songs only when <paramref name="deriveSongs"/>).</summary>
    public abstract IEnumerable<TransformStep> RefreshStatistics(bool deriveSongs);

    /// <summary>Empties the five star tables inside the load's transaction (full refresh).</summary>
    public abstract IEnumerable<TransformStep> EmptyStarTables();

    /// <summary>
    /// The statements that insert the batch's new plays and the time rows of their start times, given
    /// the insert of the plays by its condition and its <c>RETURNING</c> clause, each empty for none
    /// (see <see cref="StarSchemaTransform.NewSongPlaysInsert"/>).
    /// </summary>
    public abstract IEnumerable<TransformStep> PlaysAndTime(Func<string, string, string> newSongPlaysInsert);

    /// <summary>
    /// How a subquery keeps only the first row of each group of <c>key</c> in <c>order</c>: the text
    /// after <c>SELECT</c>, the extra select-list column, and the trailing <c>ORDER BY</c>.
    /// </summary>
    public abstract FirstRowPerGroup FirstRowPerGroup(string key, string order);

    /// <summary>The condition (with its connective) that keeps the first row of a joined group, or empty.</summary>
    public abstract string JoinFirstRow { get; }

    /// <summary>The condition (with its connective) that keeps the first row of the plays' groups, or empty.</summary>
    public abstract string WhereFirstRow { get; }
}

/// <summary>The fragments of a subquery that keeps the first row of each group.</summary>
/// <param name="Distinct">Goes right after <c>SELECT</c>.</param>
/// <param name="RankColumn">Goes after the last selected column.</param>
/// <param name="OrderBy">Goes after the <c>WHERE</c> clause.</param>
internal sealed record FirstRowPerGroup(string Distinct, string RankColumn, string OrderBy);
