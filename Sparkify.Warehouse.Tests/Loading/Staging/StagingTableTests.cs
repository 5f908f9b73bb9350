using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Loading.PostgreSql;
using Sparkify.Warehouse.Loading.Staging;

namespace Sparkify.Warehouse.Tests.Loading.Staging;

/// <summary>
/// The staging tables as the loader reads them from the runtime model (the compiled one on PostgreSQL, one
/// built at run time on Redshift) against the design-time model, which keeps EF Core's own column order;
/// and a PostgreSQL load's, which reads the compiled model without a context, against a context's.
/// </summary>
public sealed class StagingTableTests
{
    [Theory]
    [InlineData(WarehouseProvider.Postgres)]
    [InlineData(WarehouseProvider.Redshift)]
    public void Columns_come_in_the_design_time_models_order_with_its_names_and_lengths(WarehouseProvider provider)
    {
        using var context = new WarehouseDbContext(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse("Host=unused", provider).Options);
        var designTime = context.GetService<IDesignTimeModel>().Model;

        Assert.Equal(Expected(designTime, typeof(StagingEvent)), Actual(StagingTable.Events(context.Model)));
        Assert.Equal(Expected(designTime, typeof(StagingSong)), Actual(StagingTable.Songs(context.Model)));
        Assert.Equal("staging_events", StagingTable.Events(context.Model).Name);
        Assert.Equal("staging_songs", StagingTable.Songs(context.Model).Name);
    }

    [Fact]
    public void A_load_reads_the_same_layout_and_statements_without_building_a_context()
    {
        using var context = new WarehouseDbContext(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse("Host=unused", WarehouseProvider.Postgres).Options);
        var designTime = context.GetService<IDesignTimeModel>().Model;
        var sql = context.GetService<ISqlGenerationHelper>();
        var staging = new PostgresStaging();

        Assert.Equal(Expected(designTime, typeof(StagingEvent)), Actual(staging.Events));
        Assert.Equal(Expected(designTime, typeof(StagingSong)), Actual(staging.Songs));
        Assert.Equal(StagingTable.Events(context.Model).CopyFromStdinBinarySql(sql), staging.EventsCopy(null).CopySql);
        Assert.Equal(StagingTable.Songs(context.Model).CopyFromStdinBinarySql(sql), staging.SongsCopy().CopySql);
        Assert.Equal($"TRUNCATE TABLE {sql.DelimitIdentifier("staging_events")}", staging.TruncateEventsSql);
    }

    private static List<(string, string)> Actual(StagingTable table) => [.. table.Columns.Select(c => (c.Name, c.SqlType))];

    private static List<(string, string)> Expected(IModel model, Type entity)
        => [.. model.FindEntityType(entity)!.GetProperties()
            .OrderBy(p => p.GetColumnOrder())
            .Select(p => (p.GetColumnName(), (Nullable.GetUnderlyingType(p.ClrType) ?? p.ClrType) switch
            {
                var t when t == typeof(int) => "integer",
                var t when t == typeof(long) => "bigint",
                var t when t == typeof(double) => "double precision",
                _ => $"varchar({p.GetMaxLength()})",
            }))];
}
