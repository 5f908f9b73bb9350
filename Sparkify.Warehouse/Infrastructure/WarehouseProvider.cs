using System.ComponentModel;
using Sparkify.Warehouse.Infrastructure.Internal;

namespace Sparkify.Warehouse;

/// <summary>
/// The database a warehouse lives in. In configuration (<c>Sparkify:Provider</c>) it is written
/// <c>postgres</c> (or <c>postgresql</c>) or <c>redshift</c>, in any case.
/// </summary>
[TypeConverter(typeof(WarehouseProviderConverter))]
public enum WarehouseProvider
{
    /// <summary>PostgreSQL (the embedded default): loads stream through binary <c>COPY FROM STDIN</c>.</summary>
    Postgres,

    /// <summary>Amazon Redshift: loads run <c>COPY ... FROM 's3://...'</c>; migrations emit Redshift DDL.</summary>
    Redshift,
}
