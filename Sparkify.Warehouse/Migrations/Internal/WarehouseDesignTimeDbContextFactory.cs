using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Sparkify.Warehouse.LocalServer;

namespace Sparkify.Warehouse.Migrations.Internal;

/// <summary>
/// Lets <c>dotnet ef</c> build a context from the repository root. The connection comes from
/// <c>SPARKIFY_CONNECTION</c> or <c>ConnectionStrings__Warehouse</c>; the target from
/// <c>SPARKIFY_PROVIDER</c> (<c>postgres</c> or <c>redshift</c>). With neither set, the embedded local
/// PostgreSQL server (the CLI's default) is started or reused.
/// </summary>
internal sealed class WarehouseDesignTimeDbContextFactory : IDesignTimeDbContextFactory<WarehouseDbContext>
{
    public WarehouseDbContext CreateDbContext(string[] args)
    {
        var provider = Environment.GetEnvironmentVariable("SPARKIFY_PROVIDER") is { Length: > 0 } name
            ? Enum.Parse<WarehouseProvider>(name, ignoreCase: true)
            : WarehouseProvider.Postgres;
        var connectionString = Environment.GetEnvironmentVariable("SPARKIFY_CONNECTION")
            ?? Environment.GetEnvironmentVariable("ConnectionStrings__Warehouse")
            ?? (provider == WarehouseProvider.Redshift
                ? throw new InvalidOperationException("Set SPARKIFY_CONNECTION to the Redshift cluster's Npgsql connection string.")
                : new LocalPostgresServer().StartAsync().GetAwaiter().GetResult());
        return new WarehouseDbContext(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse(connectionString, provider).Options);
    }
}
