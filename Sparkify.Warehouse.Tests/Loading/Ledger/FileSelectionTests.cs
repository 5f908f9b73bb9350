using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Loading.Ledger;

namespace Sparkify.Warehouse.Tests.Loading.Ledger;

/// <summary>The pure decision of which listed files a load reads, against ledger rows built by hand.</summary>
public sealed class FileSelectionTests
{
    private static readonly DateTime Written = new(2026, 12, 1, 10, 20, 30, DateTimeKind.Utc);

    [Fact]
    public void A_file_the_ledger_does_not_hold_is_new_and_read()
    {
        var decision = Assert.Single(FileSelection.Decide([S3("s3://b/log/a.json", 10, "\"e1\"")], Ledger(), reload: false));
        Assert.Equal(LedgerFileStatus.New, decision.Status);
        Assert.True(decision.Read);
        Assert.Null(decision.Loaded);
    }

    [Fact]
    public void An_s3_object_with_the_same_size_and_etag_is_unchanged_and_skipped_unless_reloading()
    {
        var file = S3("s3://b/log/a.json", 10, "\"e1\"");
        var row = Row("s3://b/log/a.json", 10, etag: "\"e1\"");

        var skipped = Assert.Single(FileSelection.Decide([file], Ledger(row), reload: false));
        Assert.Equal(LedgerFileStatus.Unchanged, skipped.Status);
        Assert.False(skipped.Read);
        Assert.Same(row, skipped.Loaded);

        var reloaded = Assert.Single(FileSelection.Decide([file], Ledger(row), reload: true));
        Assert.Equal(LedgerFileStatus.Unchanged, reloaded.Status);
        Assert.True(reloaded.Read);
    }

    [Theory]
    [InlineData(11L, "\"e1\"")] // size changed
    [InlineData(10L, "\"e2\"")] // content rewritten with the same size
    [InlineData(10L, "\"E1\"")] // ETags compare exactly
    [InlineData(null, "\"e1\"")] // size unknown: cannot be shown unchanged
    [InlineData(10L, null)] // the listing gave no ETag where the ledger has one
    public void An_s3_object_whose_size_or_etag_differs_is_changed_and_read(long? size, string? etag)
    {
        var decision = Assert.Single(FileSelection.Decide([S3("s3://b/log/a.json", size, etag)], Ledger(Row("s3://b/log/a.json", 10, etag: "\"e1\"")), reload: false));
        Assert.Equal(LedgerFileStatus.Changed, decision.Status);
        Assert.True(decision.Read);
    }

    [Theory]
    [InlineData(0L)] // stored exactly
    [InlineData(4L)] // a writer that truncated 100 ns ticks to the microsecond
    [InlineData(-6L)] // ... or rounded them up
    public void A_local_file_with_the_same_size_and_write_time_to_the_microsecond_is_unchanged(long storedTicksOff)
    {
        var decision = Assert.Single(FileSelection.Decide(
            [Local("/data/log/a.json", 10, Written.AddTicks(7))],
            Ledger(Row("/data/log/a.json", 10, modifiedAt: Written.AddTicks(7 + storedTicksOff))),
            reload: false));
        Assert.Equal(LedgerFileStatus.Unchanged, decision.Status);
        Assert.False(decision.Read);
    }

    [Theory]
    [InlineData(10L, 10L)] // touched: one microsecond later
    [InlineData(10L, 10_000_000L)] // rewritten a second later
    [InlineData(11L, 0L)] // same time, other size
    public void A_local_file_whose_size_or_write_time_differs_is_changed(long size, long ticksLater)
    {
        var decision = Assert.Single(FileSelection.Decide(
            [Local("/data/log/a.json", size, Written.AddTicks(ticksLater))],
            Ledger(Row("/data/log/a.json", 10, modifiedAt: Written)),
            reload: false));
        Assert.Equal(LedgerFileStatus.Changed, decision.Status);
        Assert.True(decision.Read);
    }

    [Fact]
    public void A_ledger_row_with_a_time_for_a_listing_without_one_is_changed()
        => Assert.Equal(LedgerFileStatus.Changed, FileSelection.Compare(S3("s3://b/a.json", 10, null), Row("s3://b/a.json", 10, modifiedAt: Written)));

    [Fact]
    public void Decisions_keep_the_listing_order_and_match_rows_by_exact_uri()
    {
        FileIdentity[] listed =
        [
            S3("s3://b/log/2018/11/2018-11-03-events.json", 3, "\"c\""),
            S3("s3://b/log/2018/11/2018-11-01-events.json", 1, "\"a\""),
            S3("s3://b/log/2018/11/2018-11-02-events.json", 2, "\"b2\""),
            S3("s3://b/LOG/2018/11/2018-11-01-events.json", 1, "\"a\""),
        ];
        var ledger = Ledger(
            Row("s3://b/log/2018/11/2018-11-01-events.json", 1, etag: "\"a\""),
            Row("s3://b/log/2018/11/2018-11-02-events.json", 2, etag: "\"b\""));

        var decisions = FileSelection.Decide(listed, ledger, reload: false);

        Assert.Equal(listed, decisions.Select(d => d.File));
        Assert.Equal([LedgerFileStatus.New, LedgerFileStatus.Unchanged, LedgerFileStatus.Changed, LedgerFileStatus.New], decisions.Select(d => d.Status));
        Assert.Equal([true, false, true, true], decisions.Select(d => d.Read));
    }

    [Fact]
    public void A_ledger_row_made_from_a_listed_file_holds_it_unchanged_to_the_microsecond()
    {
        var runId = Guid.NewGuid();
        var local = Local("/data/log/a.json", 10, Written.AddTicks(19));
        var row = local.ToLedgerRow(runId, recordsStaged: 5, recordsRejected: 1, loadedAtUtc: Written.AddHours(1));

        Assert.Equal(Written.AddTicks(10).Ticks, row.ModifiedAt!.Value.Ticks);
        Assert.Equal(DateTimeKind.Unspecified, row.ModifiedAt.Value.Kind);
        Assert.Equal(DateTimeKind.Unspecified, row.LoadedAt.Kind);
        Assert.Equal((local.Uri, 10L, (string?)null, runId, 5L, 1L), (row.Uri, row.SizeBytes, row.ETag, row.RunId, row.RecordsStaged, row.RecordsRejected));
        Assert.Equal(LedgerFileStatus.Unchanged, FileSelection.Compare(local, row));

        var s3 = S3("s3://b/log/a.json", 10, "\"e1\"");
        Assert.Equal(LedgerFileStatus.Unchanged, FileSelection.Compare(s3, s3.ToLedgerRow(runId, 5, 0, Written)));
        Assert.Throws<InvalidOperationException>(() => S3("s3://b/x.json", null, "\"e\"").ToLedgerRow(runId, 0, 0, Written));
    }

    private static FileIdentity S3(string uri, long? size, string? etag) => new(uri, size, etag, null);

    private static FileIdentity Local(string path, long size, DateTime modified) => new(path, size, null, modified);

    private static LoadFile Row(string uri, long size, string? etag = null, DateTime? modifiedAt = null)
        => new() { Uri = uri, SizeBytes = size, ETag = etag, ModifiedAt = modifiedAt, RunId = Guid.NewGuid(), LoadedAt = Written.AddDays(1) };

    private static Dictionary<string, LoadFile> Ledger(params LoadFile[] rows) => rows.ToDictionary(r => r.Uri, StringComparer.Ordinal);
}
