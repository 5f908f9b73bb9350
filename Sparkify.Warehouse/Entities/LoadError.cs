namespace Sparkify.Warehouse.Entities;

/// <summary>One rejected input record (table <c>load_errors</c>), like a row of Redshift's <c>STL_LOAD_ERRORS</c>.</summary>
public sealed class LoadError
{
    /// <summary>Surrogate key assigned by the database.</summary>
    public long LoadErrorId { get; set; }

    /// <summary>The run that rejected the record.</summary>
    public Guid RunId { get; set; }

    /// <summary>The file path or S3 URI the record came from.</summary>
    public string Source { get; set; } = "";

    /// <summary>1-based line number where the record starts.</summary>
    public long LineNumber { get; set; }

    /// <summary>The column the record failed on, when known.</summary>
    public string? ColumnName { get; set; }

    /// <summary>Why the record was rejected.</summary>
    public string Reason { get; set; } = "";

    /// <summary>The raw record text, cut to 1 KB.</summary>
    public string? RawLine { get; set; }
}
