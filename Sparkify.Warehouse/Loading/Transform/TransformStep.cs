namespace Sparkify.Warehouse.Loading.Transform;

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
    /// (without its <c>ORDER BY</c> and <c>RETURNING</c>); for a <c>DO</c> block, the query it runs: what
    /// SQL linters that know no such CTEs, or read a block's body as a string, can check.
    /// </summary>
    public IReadOnlyList<string> Parts { get; init; } = [];

    /// <summary>
    /// The step derives songs and artists from <c>staging_songs</c> (or refreshes its statistics): a
    /// load that kept the last load's staged songs skips it, since that load derived them already.
    /// </summary>
    public bool DerivesSongs { get; init; }

    /// <summary>What the dry-run says above the statement: when it does its work, if not always.</summary>
    public string? Note { get; init; }
}
