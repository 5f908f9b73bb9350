using Microsoft.EntityFrameworkCore;
using Npgsql;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Loading.Ledger;
using Sparkify.Warehouse.Loading.Pipeline;
using Sparkify.Warehouse.Loading.Redshift;
using Sparkify.Warehouse.Loading.Sources;
using Sparkify.Warehouse.Tests.TestUtilities;
using Stand = Sparkify.Warehouse.Tests.TestUtilities.RedshiftStandIn.RedshiftStandIn;

namespace Sparkify.Warehouse.Tests.Loading.Redshift;

/// <summary>
/// Redshift's ledger statements: more files than one statement takes are written, and replaced, in
/// batches through the stand-in, and the multi-row forms are Redshift SQL by sqlfluff's parser.
/// </summary>
public sealed class RedshiftLedgerWritesTests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    private const int Files = (2 * RedshiftLedgerWrites.RowsPerStatement) + 201;

    [Fact]
    public async Task More_files_than_a_statement_takes_are_recorded_and_replaced_in_batches()
    {
        await using var standIn = await Stand.StartAsync(s3.Client);
        await using (var context = new WarehouseDbContext(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse(standIn.ConnectionString, WarehouseProvider.Redshift).Options))
        {
            await context.Database.MigrateAsync();
        }

        var listed = Enumerable.Range(0, Files)
            .Select(i => (SourceFile)new S3SourceFile(s3.Client, S3Location.Parse($"s3://ledger-batches/song_data/{i:0000}.json"), i + 1, s3.ServiceUrl) { ETag = $"\"etag-{i}\"" })
            .ToList();
        var first = Guid.NewGuid();
        await RecordAsync(standIn, listed, first, reload: false);

        // Every file once, with its size and ETag; the staged count of a file read with others is unknown: NULL.
        Assert.Equal(3, Sent(standIn, "INSERT INTO load_files "));
        Assert.Equal(0, Sent(standIn, "DELETE FROM load_files "));
        Assert.Equal(
            $"{Files}|{(long)Files * (Files + 1) / 2}|{Files}|0|0",
            Assert.Single(await WarehouseDb.RowsAsync(standIn.DatabaseConnectionString, $"SELECT COUNT(*), SUM(size_bytes), COUNT(DISTINCT etag), COUNT(records_staged), MAX(records_rejected) FROM load_files WHERE run_id = '{first}'")));

        // Read again (--reload): every row deleted and inserted again, three statements each.
        var second = Guid.NewGuid();
        await RecordAsync(standIn, listed, second, reload: true);
        Assert.Equal(6, Sent(standIn, "INSERT INTO load_files "));
        Assert.Equal(3, Sent(standIn, "DELETE FROM load_files "));
        Assert.Equal(
            [$"{second}|{Files}"],
            await WarehouseDb.RowsAsync(standIn.DatabaseConnectionString, "SELECT run_id || '|' || COUNT(*) FROM load_files GROUP BY run_id"));
    }

    [Fact]
    public async Task The_multi_row_statements_are_redshift_sql()
    {
        var insert = LoadRunLog.Preview(RedshiftLedgerWrites.InsertSql(3), Enumerable.Range(0, 3).SelectMany(i => new Dictionary<string, object?>
        {
            [$"uri_{i}"] = $"s3://bucket/log_data/2018/11/2018-11-0{i + 1}-events.json",
            [$"size_bytes_{i}"] = 1000L + i,
            [$"etag_{i}"] = "\"abc\"",
            [$"modified_at_{i}"] = null,
            [$"run_id_{i}"] = Guid.NewGuid().ToString("D"),
            [$"records_staged_{i}"] = i == 0 ? 7L : null,
            [$"records_rejected_{i}"] = 0L,
            [$"loaded_at_{i}"] = new DateTime(2018, 11, 30, 2, 15, 0),
        }).ToDictionary());
        var forget = LoadRunLog.Preview(RedshiftLedgerWrites.ForgetSql(3), new Dictionary<string, object?> { ["uri_0"] = "s3://b/a.json", ["uri_1"] = "s3://b/b.json", ["uri_2"] = "s3://b/c.json" });
        Assert.DoesNotContain("@", insert + forget, StringComparison.Ordinal);
        await Sqlfluff.AssertParsesAsync(insert + ";\n" + forget + ";\n", statements: 2);
    }

    private static async Task RecordAsync(Stand standIn, List<SourceFile> listed, Guid runId, bool reload)
    {
        var ledger = new LoadLedger(
            new LoadRequest { SongsSource = "s3://ledger-batches/song_data/", EventsSource = "s3://ledger-batches/log_data/", Reload = reload },
            EventFileDatePattern.Parse(EventFileDatePattern.Default, "pattern"));
        await using var connection = new NpgsqlConnection(standIn.ConnectionString);
        await connection.OpenAsync();
        await using var executor = new NpgsqlLoadExecutor(connection, owned: false);
        await ledger.ReadStep().RunAsync(executor, CancellationToken.None);
        Assert.Equal(Files, ledger.Select(WarehouseFileSource.Songs, listed).Count);
        foreach (var step in new[] { RedshiftLedgerWrites.ForgetStep(ledger), RedshiftLedgerWrites.RecordStep(ledger, runId, () => new Dictionary<string, long>(), new Dictionary<string, long>()) })
        {
            if (step.When?.Invoke() ?? true)
            {
                await step.RunAsync(executor, CancellationToken.None);
            }
        }
    }

    private static int Sent(Stand standIn, string start) => standIn.Statements.Count(sql => sql.StartsWith(start, StringComparison.Ordinal));
}
