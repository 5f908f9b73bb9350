using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Sparkify.Warehouse.Migrations.Internal;

/// <summary>
/// Lets <c>dotnet ef</c> build a context from the repository root. The connection comes from
/// <c>SPARKIFY_CONNECTION</c> or <c>ConnectionStrings__Warehouse</c>; the target from
/// <c>SPARKIFY_PROVIDER</c> (<c>postgres</c> or <c>redshift</c>).
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
            ?? throw new InvalidOperationException("Set SPARKIFY_CONNECTION to the warehouse's Npgsql connection string.");
        return new WarehouseDbContext(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse(connectionString, provider).Options);
    }
}
