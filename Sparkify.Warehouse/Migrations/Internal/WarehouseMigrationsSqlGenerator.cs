using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure.Internal;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata.Internal;
using Npgsql.EntityFrameworkCore.PostgreSQL.Migrations;
using Sparkify.Warehouse.Infrastructure.Internal;
using Sparkify.Warehouse.Migrations.Operations;

#pragma warning disable EF1001 // Npgsql's generator takes its pubternal singleton options; the Npgsql version is pinned exactly.

namespace Sparkify.Warehouse.Migrations.Internal;

/// <summary>
/// Migrations SQL for both targets. PostgreSQL gets Npgsql's SQL minus foreign keys and Redshift-only
/// steps. Redshift gets DDL it accepts: <c>IDENTITY(1,1)</c> for identity columns, no indexes or
/// sequences, <c>BACKUP NO</c> for the (PostgreSQL-unlogged) staging tables, and the migrations'
/// <see cref="RedshiftSqlOperation"/>s; operations marked <see cref="PostgreSqlOnly"/> are skipped.
/// </summary>
internal sealed class WarehouseMigrationsSqlGenerator : NpgsqlMigrationsSqlGenerator
{
    /// <summary>
    /// The annotation that marks a migration operation as PostgreSQL's half of a change whose Redshift
    /// half the migration spells out with <see cref="RedshiftSqlOperation"/>s.
    /// </summary>
    public const string PostgreSqlOnly = "Sparkify:PostgreSqlOnly";

    private readonly bool _redshift;

    public WarehouseMigrationsSqlGenerator(
        MigrationsSqlGeneratorDependencies dependencies,
        INpgsqlSingletonOptions npgsqlSingletonOptions,
        IDbContextOptions contextOptions)
        : base(dependencies, npgsqlSingletonOptions)
        => _redshift = contextOptions.FindExtension<WarehouseOptionsExtension>()?.Provider == WarehouseProvider.Redshift;

    /// <inheritdoc />
    protected override void Generate(MigrationOperation operation, IModel? model, MigrationCommandListBuilder builder)
    {
        switch (operation)
        {
            case RedshiftSqlOperation redshiftSql:
                if (_redshift)
                {
                    builder.Append(redshiftSql.Sql).AppendLine(Dependencies.SqlGenerationHelper.StatementTerminator);
                    EndStatement(builder);
                }

                return;

            case var postgreSqlOnly when postgreSqlOnly[PostgreSqlOnly] is true:
                if (!_redshift)
                {
                    base.Generate(operation, model, builder);
                }

                return;

            // Redshift's ALTER COLUMN changes only a VARCHAR's length or a column's encoding: a nullability,
            // type or default change is a new column, a copy, a drop and a rename, which a migration writes
            // out for Redshift and marks EF's AlterColumn PostgreSqlOnly.
            case AlterColumnOperation alterColumn when _redshift:
                throw new NotSupportedException($"Amazon Redshift cannot alter column {alterColumn.Table}.{alterColumn.Name} this way; give the migration Redshift steps (RedshiftSql) and mark the AlterColumn PostgreSQL-only.");

            // Integrity is the load's job on both targets (Redshift would not enforce a foreign key),
            // and constraint checks would only slow bulk loads down.
            case AddForeignKeyOperation:
            case DropForeignKeyOperation:
                return;

            case CreateIndexOperation or DropIndexOperation or RenameIndexOperation when _redshift:
                return;

            // Npgsql's table alterations are PostgreSQL storage settings (UNLOGGED, storage
            // parameters such as autovacuum_enabled), which Redshift does not have.
            case AlterTableOperation when _redshift:
                return;

            case CreateSequenceOperation or AlterSequenceOperation or RestartSequenceOperation when _redshift:
                throw new NotSupportedException("Amazon Redshift has no sequences; use an identity column instead.");

            default:
                base.Generate(operation, model, builder);
                return;
        }
    }

    /// <inheritdoc />
    protected override void Generate(CreateTableOperation operation, IModel? model, MigrationCommandListBuilder builder, bool terminate = true)
    {
        operation.ForeignKeys.Clear();
        if (!_redshift)
        {
            base.Generate(operation, model, builder, terminate);
            return;
        }

        var unlogged = operation[NpgsqlAnnotationNames.UnloggedTable] is true;
        operation.RemoveAnnotation(NpgsqlAnnotationNames.UnloggedTable);
        foreach (var storageParameter in operation.GetAnnotations().Where(a => a.Name.StartsWith(NpgsqlAnnotationNames.StorageParameterPrefix, StringComparison.Ordinal)).ToList())
        {
            operation.RemoveAnnotation(storageParameter.Name);
        }

        base.Generate(operation, model, builder, terminate: false);
        if (unlogged)
        {
            // Redshift's nearest equivalent of an unlogged table: excluded from snapshots.
            builder.AppendLine().Append("BACKUP NO");
        }

        if (terminate)
        {
            builder.AppendLine(Dependencies.SqlGenerationHelper.StatementTerminator);
            EndStatement(builder);
        }
    }

    /// <inheritdoc />
    protected override void Generate(EnsureSchemaOperation operation, IModel? model, MigrationCommandListBuilder builder)
    {
        if (!_redshift)
        {
            base.Generate(operation, model, builder);
            return;
        }

        // Npgsql wraps this in a DO block, which Redshift does not have.
        builder.Append("CREATE SCHEMA IF NOT EXISTS ")
            .Append(Dependencies.SqlGenerationHelper.DelimitIdentifier(operation.Name))
            .AppendLine(Dependencies.SqlGenerationHelper.StatementTerminator);
        EndStatement(builder);
    }

    /// <inheritdoc />
    protected override void ColumnDefinition(
        string? schema,
        string table,
        string name,
        ColumnOperation operation,
        IModel? model,
        MigrationCommandListBuilder builder)
    {
        if (!_redshift)
        {
            base.ColumnDefinition(schema, table, name, operation, model, builder);
            return;
        }

        var columnType = operation.ColumnType ?? GetColumnType(schema, table, name, operation, model)
            ?? throw new InvalidOperationException($"Column {table}.{name} has no store type.");
        builder.Append(Dependencies.SqlGenerationHelper.DelimitIdentifier(name)).Append(" ").Append(columnType);

        var strategy = operation[NpgsqlAnnotationNames.ValueGenerationStrategy] as NpgsqlValueGenerationStrategy?;
        if (strategy is NpgsqlValueGenerationStrategy.IdentityByDefaultColumn
            or NpgsqlValueGenerationStrategy.IdentityAlwaysColumn
            or NpgsqlValueGenerationStrategy.SerialColumn)
        {
            // Redshift's identity: values are unique but not gap-free or ordered under COPY/INSERT SELECT.
            builder.Append(" IDENTITY(1,1)");
        }

        if (operation.DefaultValueSql is not null || operation.DefaultValue is not null)
        {
            DefaultValue(operation.DefaultValue, operation.DefaultValueSql, columnType, builder);
        }

        builder.Append(operation.IsNullable ? " NULL" : " NOT NULL");
    }
}
