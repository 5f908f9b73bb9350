using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql.EntityFrameworkCore.PostgreSQL.Migrations.Internal;

#pragma warning disable EF1001 // Derives from Npgsql's pubternal history repository; the Npgsql version is pinned exactly.

namespace Sparkify.Warehouse.Migrations.Internal;

/// <summary>
/// The <c>__EFMigrationsHistory</c> handling for Redshift: Redshift's <c>LOCK</c> has no
/// <c>IN ... MODE</c> clause (it is always exclusive) and Redshift has no <c>DO</c> blocks, which
/// Npgsql uses for idempotent scripts.
/// </summary>
internal sealed class RedshiftHistoryRepository(HistoryRepositoryDependencies dependencies) : NpgsqlHistoryRepository(dependencies)
{
    /// <inheritdoc />
    public override LockReleaseBehavior LockReleaseBehavior => LockReleaseBehavior.Transaction;

    /// <inheritdoc />
    public override IMigrationsDatabaseLock AcquireDatabaseLock()
    {
        Dependencies.MigrationsLogger.AcquiringMigrationLock();
        Dependencies.RawSqlCommandBuilder.Build(LockSql).ExecuteNonQuery(CreateRelationalCommandParameters());
        return new ReleasedWithTransaction(this);
    }

    /// <inheritdoc />
    public override async Task<IMigrationsDatabaseLock> AcquireDatabaseLockAsync(CancellationToken cancellationToken = default)
    {
        Dependencies.MigrationsLogger.AcquiringMigrationLock();
        await Dependencies.RawSqlCommandBuilder.Build(LockSql)
            .ExecuteNonQueryAsync(CreateRelationalCommandParameters(), cancellationToken).ConfigureAwait(false);
        return new ReleasedWithTransaction(this);
    }

    /// <inheritdoc />
    public override string GetBeginIfNotExistsScript(string migrationId)
        => throw IdempotentNotSupported();

    /// <inheritdoc />
    public override string GetBeginIfExistsScript(string migrationId)
        => throw IdempotentNotSupported();

    /// <inheritdoc />
    public override string GetEndIfScript()
        => throw IdempotentNotSupported();

    private string LockSql => $"LOCK TABLE {SqlGenerationHelper.DelimitIdentifier(TableName, TableSchema)}";

    private RelationalCommandParameterObject CreateRelationalCommandParameters()
        => new(Dependencies.Connection, null, null, Dependencies.CurrentContext.Context, Dependencies.CommandLogger, CommandSource.Migrations);

    private static NotSupportedException IdempotentNotSupported()
        => new("Idempotent migration scripts need DO blocks, which Amazon Redshift does not support; script a range of migrations instead (sparkify migrate --script --from <migration>).");

    // Redshift releases table locks only when the transaction ends; there is nothing to undo here.
    private sealed class ReleasedWithTransaction(IHistoryRepository historyRepository) : IMigrationsDatabaseLock
    {
        public IHistoryRepository HistoryRepository { get; } = historyRepository;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
