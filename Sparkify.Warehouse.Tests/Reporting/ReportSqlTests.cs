using Microsoft.EntityFrameworkCore;
using Sparkify.Warehouse.Reporting;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Reporting;

/// <summary>
/// The report's own queries over the load history (its play numbers come from the analyst helpers,
/// whose SQL SongPlayQueriesSqlTests checks): on Redshift they are plain SQL with a literal LIMIT that
/// Redshift's grammar accepts.
/// </summary>
public sealed class ReportSqlTests
{
    [Fact]
    public async Task Load_history_queries_parse_as_redshift_with_a_literal_limit_and_no_postgres_collation()
    {
        await using var redshift = Context(WarehouseProvider.Redshift);
        await using var postgres = Context(WarehouseProvider.Postgres);
        string[] statements = [ReportData.RecentRunsQuery(redshift).ToQueryString(), ReportData.RejectReasonsQuery(redshift).ToQueryString()];

        Assert.All(statements, sql =>
        {
            Assert.Matches(@"\nLIMIT [0-9]+$", sql);
            Assert.DoesNotContain("COLLATE", sql, StringComparison.Ordinal);
            Assert.DoesNotContain("@", sql, StringComparison.Ordinal);
        });
        Assert.Contains("COLLATE \"C\"", ReportData.RejectReasonsQuery(postgres).ToQueryString(), StringComparison.Ordinal);
        await Sqlfluff.AssertParsesAsync(string.Join(";\n\n", statements) + ";\n", statements.Length);
    }

    private static WarehouseDbContext Context(WarehouseProvider provider)
        => new(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse("Host=localhost", provider).Options);
}
