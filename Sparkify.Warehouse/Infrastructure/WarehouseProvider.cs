namespace Sparkify.Warehouse;

/// <summary>The database a warehouse lives in.</summary>
public enum WarehouseProvider
{
    /// <summary>PostgreSQL (the embedded default): loads stream through binary <c>COPY FROM STDIN</c>.</summary>
    Postgres,

    /// <summary>Amazon Redshift: loads run <c>COPY ... FROM 's3://...'</c>; migrations emit Redshift DDL.</summary>
    Redshift,
}
