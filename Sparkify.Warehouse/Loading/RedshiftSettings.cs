namespace Sparkify.Warehouse.Loading;

/// <summary>Settings that apply to Redshift loads only (configuration section <c>Sparkify:Redshift</c>).</summary>
public sealed class RedshiftSettings
{
    /// <summary>
    /// Where a Redshift load writes the manifest of exactly the files it reads (<c>s3://bucket</c> or
    /// <c>s3://bucket/prefix</c>), so <c>COPY ... MANIFEST</c> reads those files and no others; the
    /// loader's AWS credentials need <c>s3:PutObject</c> there. Choose a prefix outside the data's
    /// prefixes. Null: Redshift loads <c>COPY</c> the whole source prefix.
    /// </summary>
    public string? ManifestPrefix { get; set; }

    /// <summary>
    /// The warehouse is a Redshift Serverless workgroup, which has the <c>SYS_*</c> monitoring views
    /// but no <c>STL_*</c> views: loads then read the rejects of their COPYs from
    /// <c>sys_load_error_detail</c> instead of <c>stl_load_errors</c>. Not needed when the connection
    /// string's host is a Serverless endpoint (<c>*.redshift-serverless.amazonaws.com</c>), which is
    /// recognised; set it for a Serverless workgroup reached through another name (a VPC endpoint,
    /// a tunnel).
    /// </summary>
    public bool Serverless { get; set; }
}
