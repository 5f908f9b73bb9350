using Microsoft.EntityFrameworkCore;

namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>A fresh database with every migration applied, one per test class (<c>IClassFixture</c>).</summary>
public sealed class MigratedDatabaseFixture : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync("wh");
        await using var context = CreateContext();
        await context.Database.MigrateAsync();
    }

    public Task DisposeAsync() => TestPostgres.DropDatabaseAsync(ConnectionString);

    public WarehouseDbContext CreateContext()
        => new(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse(ConnectionString).Options);
}
