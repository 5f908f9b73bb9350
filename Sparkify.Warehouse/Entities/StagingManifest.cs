namespace Sparkify.Warehouse.Entities;

/// <summary>
/// What a staging table holds since the last successful load (<c>staging_manifests</c>): a fingerprint
/// of the files its rows came from, so a load whose song data is unchanged can keep the staged songs
/// instead of reading thousands of files again.
/// </summary>
internal sealed class StagingManifest
{
    /// <summary>The staging table described.</summary>
    public string TableName { get; set; } = "";

    /// <summary>SHA-256 (hex) of the loader version, the table's columns and every file's name, size and version.</summary>
    public string Fingerprint { get; set; } = "";

    /// <summary>Files the rows were read from.</summary>
    public long Files { get; set; }

    /// <summary>Rows the table held when the manifest was written.</summary>
    public long Rows { get; set; }

    /// <summary>
    /// The table's storage (PostgreSQL's <c>pg_relation_filenode</c>) when the manifest was written: any
    /// <c>TRUNCATE</c> since, by anyone, gives the table new storage.
    /// </summary>
    public long Storage { get; set; }
}
