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

    /// <summary>Settings for Redshift loads only.</summary>
    public RedshiftSettings Redshift { get; set; } = new();

    /// <summary>
    /// How a backfill (<see cref="LoadRequest.Since"/>, <see cref="LoadRequest.Until"/>) finds the day of
    /// an event file in its path or key: <c>{yyyy}</c>, <c>{MM}</c> and <c>{dd}</c> stand for the date,
    /// <c>*</c> for any characters within one path segment, the rest is literal; the pattern matches
    /// the end of the key, optionally followed by <c>.gz</c>. The default is the Sparkify layout
    /// <c>{yyyy}/{MM}/{yyyy}-{MM}-{dd}-events.json</c> (<c>log_data/2018/11/2018-11-01-events.json</c>).
    /// </summary>
    public string EventFileDatePattern { get; set; } = Loading.Ledger.EventFileDatePattern.Default;
}
