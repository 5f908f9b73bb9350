using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Loading.Pipeline;
using Sparkify.Warehouse.Loading.Redshift;
using Sparkify.Warehouse.Tests.TestUtilities;
using StandIn = Sparkify.Warehouse.Tests.TestUtilities.RedshiftStandIn.RedshiftStandIn;

namespace Sparkify.Warehouse.Tests.Loading.Pipeline;

/// <summary>
/// What <c>--dry-run</c> prints is what a load sends: real loads, their statements captured at the
/// executor (the layer that hands them to the server), compared in order with the dry-run's plan.
/// </summary>
public sealed partial class DryRunMatchesRunTests(SparkifySampleInS3 s3) : IClassFixture<SparkifySampleInS3>
{
    // Notes the plan carries on statements the run sends only in some situations.
    private const string LockBusy = "only when another load holds the lock";
    private const string RejectsOnly = "only when there are any";
    private const string SongsKept = "skipped when the staged songs";
    private const string LedgerHolds = "only when the load re-reads files the ledger holds";
    private const string LedgerWrite = "only when it read any";
    private const string NotOwner = "only when the loader does not own the staging tables";

    [Fact]
    public async Task A_postgres_load_sends_the_dry_runs_statements_in_order_first_load_then_unchanged_songs()
    {
        var connectionString = await MigratedDatabaseFixture.CreateAsync("dryrun");
        var sent = new ConcurrentQueue<string>();
        var options = new WarehouseOptions { ConnectionString = connectionString };
        var loader = new WarehouseLoader(options) { StatementSent = sent.Enqueue };
        var request = new LoadRequest { SongsSource = TestEnvironment.SampleSongs, EventsSource = TestEnvironment.SampleLogs, JsonPathsSource = TestEnvironment.SampleJsonPaths };
        var plan = new WarehouseLoader(options).PlanSteps(request);
        // What the CLI prints is this plan, with a run id and times of its own.
        Assert.Equal(Normalised(new WarehouseLoader(options).Plan(request)), Normalised(plan.Statements()));

        // A fresh database, no other load, and the sample has no bad records: every statement runs
        // apart from the wait for a busy lock and the COPY of rejects.
        var first = await loader.LoadAsync(request);
        Assert.Equal((LoadRunStatus.Succeeded, 0L), (first.Status, first.Rejected));
        // Nor the forgetting of ledger rows: no file was loaded before.
        Assert.Equal(Sent(plan, LockBusy, RejectsOnly, LedgerHolds), Normalised(Drain(sent)));
        Assert.Contains(plan.Body, step => step.Note?.Contains(SongsKept, StringComparison.Ordinal) == true);

        // The same song files read again (--reload): the staged songs are kept, so their staging and
        // the transform's song steps are not sent either; the files' ledger rows are replaced.
        var reload = request with { Reload = true };
        var reloadPlan = new WarehouseLoader(options).PlanSteps(reload);
        var second = await loader.LoadAsync(reload);
        Assert.Equal((LoadRunStatus.Succeeded, 71L, 0L), (second.Status, second.SongsStaged, second.SongsInserted));
        Assert.Equal(Sent(reloadPlan, LockBusy, RejectsOnly, SongsKept), Normalised(Drain(sent)));

        // Nothing new: every file is skipped, the ledger stays, the transform still runs on empty staging.
        var third = await loader.LoadAsync(request);
        Assert.Equal((LoadRunStatus.Succeeded, 0L, 0L, 30L + 71L), (third.Status, third.SongsStaged, third.EventsStaged, third.FilesSkipped));
        Assert.Equal(Sent(plan, LockBusy, RejectsOnly, LedgerHolds, LedgerWrite), Normalised(Drain(sent)));
    }

    [Theory]
    [InlineData("log_data/", false)]
    [InlineData(SparkifySampleInS3.GzipLogPrefix + "/", true)]
    public async Task A_redshift_load_hands_its_executor_the_dry_runs_statements_in_order(string eventsPrefix, bool eventsGzipped)
    {
        await using var standIn = await StandIn.StartAsync(s3.Server.Client);
        await using (var context = new WarehouseDbContext(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse(standIn.ConnectionString, WarehouseProvider.Redshift).Options))
        {
            await context.Database.MigrateAsync();
        }

        var options = new WarehouseOptions
        {
            Provider = WarehouseProvider.Redshift,
            ConnectionString = standIn.ConnectionString,
            IamRole = "arn:aws:iam::123456789012:role/dwhRole",
            S3 = s3.Server.Settings(),
        };
        var request = new LoadRequest
        {
            SongsSource = $"s3://{SparkifySampleInS3.Bucket}/song_data/",
            EventsSource = $"s3://{SparkifySampleInS3.Bucket}/{eventsPrefix}",
            JsonPathsSource = $"s3://{SparkifySampleInS3.Bucket}/log_json_path.json",
        };
        var sent = new ConcurrentQueue<string>();
        var loader = new WarehouseLoader(options) { StatementSent = sent.Enqueue };
        var plan = new WarehouseLoader(options).PlanSteps(request);

        var result = await loader.LoadAsync(request);

        Assert.Equal((LoadRunStatus.Succeeded, 8056L, 0L), (result.Status, result.EventsStaged, result.Rejected));
        var recorded = Drain(sent);
        // The dry-run lists nothing, so its COPYs say where GZIP goes; the run decided from the
        // listing: the sample's song files are plain, its events plain or gzipped by prefix.
        var copies = recorded.Where(sql => sql.StartsWith("COPY ", StringComparison.Ordinal)).ToList();
        Assert.Equal([false, eventsGzipped], copies.Select(sql => sql.Contains("\nGZIP\n", StringComparison.Ordinal)));
        // The loader owns the staging tables here, so the COPYs update their statistics; nothing failed.
        // A first load: no file was loaded before, and the sample has no bad records.
        var expected = Sent(plan, NotOwner, LedgerHolds, RejectsOnly).Select(sql => sql.Replace(
            RedshiftCopyCommandBuilder.UnknownGzipLine + "\n",
            sql.StartsWith("COPY staging_events", StringComparison.Ordinal) && eventsGzipped ? "GZIP\n" : "",
            StringComparison.Ordinal));
        Assert.Equal(expected, Normalised(recorded.Select(LedgerBatches.FirstRowOnly)));
    }

    /// <summary>The plan's statements in order, without those whose note says they are not sent here.</summary>
    private static List<string> Sent(LoadPlan plan, params string[] notSent)
        => [.. plan.Prologue.Concat(plan.Body).Concat(plan.Cleanup)
            .Where(step => step.Sql is not null && !notSent.Any(note => step.Note?.Contains(note, StringComparison.Ordinal) == true))
            .Select(step => RunIds().Replace(step.Sql!, "<run>"))];

    private static List<string> Normalised(IEnumerable<string> sent) => [.. sent.Select(sql => Times().Replace(RunIds().Replace(sql, "<run>"), "<time>"))];

    private static List<string> Drain(ConcurrentQueue<string> queue)
    {
        var items = new List<string>();
        while (queue.TryDequeue(out var item))
        {
            items.Add(item);
        }

        return items;
    }

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex RunIds();

    [GeneratedRegex(@"'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}'")]
    private static partial Regex Times();
}
