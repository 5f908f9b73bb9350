namespace Sparkify.Warehouse.Metadata;

/// <summary>How Amazon Redshift distributes a table's rows across the cluster's slices.</summary>
/// <remarks>See <see href="https://docs.aws.amazon.com/redshift/latest/dg/c_choosing_dist_sort.html">Choosing a distribution style</see>.</remarks>
public enum RedshiftDistStyle
{
    /// <summary>Redshift chooses and adapts the style as the table grows (Redshift's default).</summary>
    Auto,

    /// <summary>Rows are spread round-robin.</summary>
    Even,

    /// <summary>Rows are placed by a hash of the distribution key column, collocating joins on it.</summary>
    Key,

    /// <summary>A full copy of the table on every node; for small, slowly changing dimensions.</summary>
    All,
}
