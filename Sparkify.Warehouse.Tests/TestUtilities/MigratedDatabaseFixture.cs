using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>A fresh database with every migration applied, one per test class (<c>IClassFixture</c>).</summary>
public sealed class MigratedDatabaseFixture : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync() => ConnectionString = await CreateAsync("wh");

    /// <summary>Creates one more migrated database, for tests that need a fresh warehouse each.</summary>
    public static async Task<string> CreateAsync(string prefix)
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync(prefix);
        await using var context = new WarehouseDbContext(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse(connectionString).Options);
        await context.Database.MigrateAsync();
        return connectionString;
    }

    public Task DisposeAsync() => TestPostgres.DropDatabaseAsync(ConnectionString);

    public WarehouseDbContext CreateContext()
        => new(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse(ConnectionString).Options);

    /// <summary>An open connection to this database; the caller disposes it.</summary>
    public async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }
}
