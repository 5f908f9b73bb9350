using Sparkify.Warehouse.Loading;

namespace Sparkify.Warehouse;

/// <summary>
/// Where the warehouse is and how loads reach their data. Bound from the <c>Sparkify</c> configuration
/// section by <c>AddSparkifyWarehouse</c>, or built by hand for <see cref="Loading.WarehouseLoader"/>.
/// </summary>
public sealed class WarehouseOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Sparkify";

    /// <summary>The target database; <see cref="WarehouseProvider.Postgres"/> by default.</summary>
    public WarehouseProvider Provider { get; set; } = WarehouseProvider.Postgres;

    /// <summary>The warehouse's Npgsql connection string (PostgreSQL or Redshift). Never logged.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Redshift only: the IAM role ARN that <c>COPY</c> assumes to read S3
    /// (e.g. <c>arn:aws:iam::123456789012:role/dwhRole</c>), or <c>default</c> for the cluster's default role.
    /// </summary>
    public string? IamRole { get; set; }

    /// <summary>
    /// How many records a load may reject before it fails (Redshift's <c>MAXERROR</c>), from 0 (the
    /// default, as in Redshift) to 100,000; used when <see cref="LoadRequest.MaxErrors"/> is null.
    /// </summary>
    public int MaxErrors { get; set; }

    /// <summary>How sources in S3 (or an S3-compatible store) are reached.</summary>
    public S3Settings S3 { get; set; } = new();
}
