using Microsoft.EntityFrameworkCore;

namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>
/// A migrated database holding the whole real sample, loaded once per test class and only read by
/// its tests. Its default collation is ICU <c>en-US</c>, where <c>'SOa' &lt; 'SOB'</c>, so every
/// ordering a test checks must come from the queries themselves (code point order), not from a
/// C-collated server.
/// </summary>
public sealed class SampleWarehouseFixture : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync("sample", icuLocale: "en-US");
        await using (var context = CreateContext())
        {
            await context.Database.MigrateAsync();
        }

        await SampleWarehouse.LoadSampleAsync(ConnectionString);
    }

    public Task DisposeAsync() => TestPostgres.DropDatabaseAsync(ConnectionString);

    public WarehouseDbContext CreateContext()
        => new(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse(ConnectionString).Options);
}

/// <summary>
/// A migrated, empty database with an ICU <c>en-US</c> default collation, one per test class, for
/// tests that write their own rows and must not depend on a C-collated server.
/// </summary>
public sealed class EnUsDatabaseFixture : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync("enus", icuLocale: "en-US");
        await using var context = CreateContext();
        await context.Database.MigrateAsync();
    }

    public Task DisposeAsync() => TestPostgres.DropDatabaseAsync(ConnectionString);

    public WarehouseDbContext CreateContext()
        => new(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse(ConnectionString).Options);
}
