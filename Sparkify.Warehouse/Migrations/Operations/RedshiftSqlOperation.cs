using Microsoft.EntityFrameworkCore.Migrations.Operations;

namespace Sparkify.Warehouse.Migrations.Operations;

/// <summary>Raw SQL that runs only when migrating a Redshift warehouse; PostgreSQL skips it.</summary>
public sealed class RedshiftSqlOperation : MigrationOperation
{
    /// <summary>The SQL statement, without a terminating semicolon.</summary>
    public required string Sql { get; init; }
}
