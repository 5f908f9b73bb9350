using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;
using Sparkify.Warehouse;
using Sparkify.Warehouse.Infrastructure.Internal;
using Sparkify.Warehouse.Migrations.Internal;

// ReSharper disable once CheckNamespace — declared here so it is found without a using.
namespace Microsoft.EntityFrameworkCore;

/// <summary>Configures a <see cref="WarehouseDbContext"/> for PostgreSQL or Amazon Redshift.</summary>
public static class WarehouseDbContextOptionsBuilderExtensions
{
    /// <summary>
    /// Connects to the warehouse through Npgsql and selects the target's SQL: on
    /// <see cref="WarehouseProvider.Redshift"/>, Npgsql's Redshift query translation plus the warehouse's
    /// Redshift migrations SQL (<c>IDENTITY(1,1)</c>, no indexes or sequences, <c>DISTKEY</c>/<c>SORTKEY</c>)
    /// and a migrations history that Redshift accepts (plain <c>LOCK</c>, no <c>DO</c> blocks). Redshift
    /// connections verify the server's certificate (<c>SSL Mode=VerifyFull</c>) unless
    /// <paramref name="connectionString"/> sets an SSL mode of its own.
    /// </summary>
    /// <param name="optionsBuilder">The options builder.</param>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <param name="provider">The target database.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static DbContextOptionsBuilder UseWarehouse(
        this DbContextOptionsBuilder optionsBuilder,
        string connectionString,
        WarehouseProvider provider = WarehouseProvider.Postgres)
    {
        ArgumentNullException.ThrowIfNull(optionsBuilder);
        ArgumentNullException.ThrowIfNull(connectionString);
        return UseWarehouseCore(optionsBuilder, connectionString, provider);
    }

    /// <summary>
    /// <see cref="UseWarehouse(DbContextOptionsBuilder, string, WarehouseProvider)"/>, where a null
    /// connection string leaves it to be set on the context before first use
    /// (<c>Database.SetConnectionString</c>), as the CLI does when it starts its embedded server.
    /// </summary>
    internal static DbContextOptionsBuilder UseWarehouseCore(DbContextOptionsBuilder optionsBuilder, string? connectionString, WarehouseProvider provider)
    {
        void Configure(NpgsqlDbContextOptionsBuilder npgsql)
        {
            if (provider == WarehouseProvider.Redshift)
            {
                npgsql.UseRedshift();
            }
        }

        if (connectionString is null)
        {
            optionsBuilder.UseNpgsql(Configure);
        }
        else
        {
            optionsBuilder.UseNpgsql(WarehouseConnectionString.ForProvider(connectionString, provider), Configure);
        }

        ((IDbContextOptionsBuilderInfrastructure)optionsBuilder).AddOrUpdateExtension(new WarehouseOptionsExtension(provider));
        optionsBuilder.ReplaceService<IMigrationsSqlGenerator, WarehouseMigrationsSqlGenerator>();
        if (provider == WarehouseProvider.Redshift)
        {
            optionsBuilder.ReplaceService<IHistoryRepository, RedshiftHistoryRepository>();
        }

        return optionsBuilder;
    }

    /// <inheritdoc cref="UseWarehouse(DbContextOptionsBuilder, string, WarehouseProvider)"/>
    /// <typeparam name="TContext">The context type.</typeparam>
    public static DbContextOptionsBuilder<TContext> UseWarehouse<TContext>(
        this DbContextOptionsBuilder<TContext> optionsBuilder,
        string connectionString,
        WarehouseProvider provider = WarehouseProvider.Postgres)
        where TContext : DbContext
        => (DbContextOptionsBuilder<TContext>)UseWarehouse((DbContextOptionsBuilder)optionsBuilder, connectionString, provider);
}
