using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.EntityFrameworkCore.Migrations.Operations.Builders;
using Sparkify.Warehouse.Migrations.Internal;
using Sparkify.Warehouse.Migrations.Operations;

// ReSharper disable once CheckNamespace — declared here so migrations find it without a using.
namespace Microsoft.EntityFrameworkCore.Migrations;

/// <summary>Migration steps for Redshift-only DDL such as distribution and sort keys.</summary>
public static class RedshiftMigrationBuilderExtensions
{
    /// <summary>
    /// Adds raw SQL that runs on Redshift only, e.g.
    /// <c>ALTER TABLE songplays ALTER DISTSTYLE KEY DISTKEY song_id</c>. PostgreSQL migrations skip it,
    /// so one set of migrations serves both targets.
    /// </summary>
    /// <param name="migrationBuilder">The migration builder.</param>
    /// <param name="sql">One SQL statement, without a terminating semicolon.</param>
    /// <returns>A builder for further configuration of the operation.</returns>
    public static OperationBuilder<RedshiftSqlOperation> RedshiftSql(this MigrationBuilder migrationBuilder, string sql)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        var operation = new RedshiftSqlOperation { Sql = sql.TrimEnd().TrimEnd(';') };
        migrationBuilder.Operations.Add(operation);
        return new OperationBuilder<RedshiftSqlOperation>(operation);
    }

    /// <summary>
    /// Runs the operation on PostgreSQL only: the PostgreSQL half of a change Redshift cannot make the
    /// same way (e.g. a column's nullability), whose Redshift half the migration gives as <see cref="RedshiftSql"/>.
    /// </summary>
    internal static OperationBuilder<TOperation> PostgreSqlOnly<TOperation>(this OperationBuilder<TOperation> builder)
        where TOperation : MigrationOperation
        => builder.Annotation(WarehouseMigrationsSqlGenerator.PostgreSqlOnly, true);
}
