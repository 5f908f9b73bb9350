using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Tests.Loading.Ledger;
using Sparkify.Warehouse.Tests.TestUtilities;
using static Sparkify.Warehouse.Tests.TestUtilities.StarTables;
using GetObjectRequest = Amazon.S3.Model.GetObjectRequest;
using Stand = Sparkify.Warehouse.Tests.TestUtilities.RedshiftStandIn.RedshiftStandIn;

namespace Sparkify.Warehouse.Tests.RedshiftStandIn;

/// <summary>
/// New-files-only loads on Redshift, through the stand-in over real s3rver: with a manifest prefix each
/// load writes a manifest of exactly the new and changed files and COPYs from it (read back here from
/// s3rver, and the COPYs from the stand-in's statement log), and the star tables always equal the test
/// oracle's derivation of every file so far; without one, every file is COPYed and recorded.
/// </summary>
public sealed class RedshiftIncrementalLoadTests(SparkifySampleInS3 s3) : IClassFixture<SparkifySampleInS3>
{
    private const string Bucket = SparkifySampleInS3.Bucket;
    private const string ManifestBucket = "sparkify-manifests";
    private static readonly SampleRecords Data = SampleRecords.Instance;

    [Fact]
    public async Task A_growing_prefix_COPYs_only_each_new_day_from_a_manifest_a_changed_file_is_reread_nothing_new_copies_nothing_and_a_backfill_reads_its_days()
    {
        var root = await NewRootAsync();
        await using var standIn = await MigratedStandInAsync();
        var loader = Loader(standIn, ManifestPrefix(root));
        var request = Request(root);
        var (earlySongs, lateSongs) = IncrementalLoadTests.SongHalves();
        var (larger, smaller) = IncrementalLoadTests.LateSongsOfADay3Play();
        var songKeys = await PutSongsAsync(root, earlySongs, larger);
        var songsSoFar = earlySongs.Select(i => Data.Songs[i]).Append(larger).ToList();
        const int Days = 4;
        for (var day = 1; day <= Days; day++)
        {
            var dayKeys = new[] { await PutDayAsync(root, day) };
            var newSongKeys = day == 1 ? songKeys : [];
            if (day == 3)
            {
                newSongKeys = await PutSongsAsync(root, lateSongs, smaller);
                songsSoFar.AddRange(lateSongs.Select(i => Data.Songs[i]).Append(smaller));
            }

            var before = standIn.Statements.Count;
            var result = await loader.LoadAsync(request);

            Assert.Equal(((long)Data.EventsOfDay(day).Count, (long)newSongKeys.Count), (result.EventsStaged, result.SongsStaged));
            Assert.Equal(day - 1 + songsSoFar.Count - newSongKeys.Count, result.FilesSkipped);
            await AssertCopiedAsync(standIn, before, result.RunId, root, ("staging_songs", newSongKeys), ("staging_events", dayKeys));
            AssertStar(Oracle.Derive(Enumerable.Range(1, day).SelectMany(Data.EventsOfDay), songsSoFar), await ReadStarAsync(standIn.DatabaseConnectionString));
        }

        // The day-3 play went from the larger song id to the smaller one that came with day 3's songs.
        var star = await ReadStarAsync(standIn.DatabaseConnectionString);
        Assert.Contains(star.SongPlays, p => p.SongId == smaller.SongId);
        Assert.Equal(Days + songsSoFar.Count, await LedgerCountAsync(standIn, root));

        // Day 2 rewritten with a trailing blank line: a new size and ETag, so it alone is read again.
        await s3.Server.PutObjectAsync(Bucket, DayKey(root, 2), [.. await File.ReadAllBytesAsync(SampleBatches.LogFile(2)), .. "\n"u8]);
        var mark = standIn.Statements.Count;
        var changed = await loader.LoadAsync(request);
        Assert.Equal(((long)Data.EventsOfDay(2).Count, 0L), (changed.EventsStaged, changed.SongPlaysInserted));
        await AssertCopiedAsync(standIn, mark, changed.RunId, root, ("staging_songs", []), ("staging_events", [DayKey(root, 2)]));
        AssertStar(star, await ReadStarAsync(standIn.DatabaseConnectionString));
        Assert.Equal(
            [$"{new FileInfo(SampleBatches.LogFile(2)).Length + 1}|{changed.RunId}|{Data.EventsOfDay(2).Count}|0"],
            await WarehouseDb.RowsAsync(standIn.DatabaseConnectionString, $"SELECT size_bytes || '|' || run_id || '|' || records_staged || '|' || records_rejected FROM load_files WHERE uri = 's3://{Bucket}/{DayKey(root, 2)}'"));

        // Nothing new: no manifest, no COPY, a run that staged nothing; the ledger and the star stay.
        var ledger = await LedgerAsync(standIn);
        mark = standIn.Statements.Count;
        var idle = await loader.LoadAsync(request);
        Assert.Equal((LoadRunStatus.Succeeded, 0L, 0L, (long)(Days + songsSoFar.Count)), (idle.Status, idle.SongsStaged, idle.EventsStaged, idle.FilesSkipped));
        await AssertCopiedAsync(standIn, mark, idle.RunId, root, ("staging_songs", []), ("staging_events", []));
        Assert.Equal(LoadRunStatus.Succeeded, (await WarehouseDb.RunsAsync(standIn.DatabaseConnectionString)).Single(r => r.RunId == idle.RunId).Status);
        Assert.Equal(ledger, await LedgerAsync(standIn));
        AssertStar(star, await ReadStarAsync(standIn.DatabaseConnectionString));

        // A backfill of days 3 and 4 reads exactly their files again, loaded or not, and changes no star row.
        mark = standIn.Statements.Count;
        var backfill = await loader.LoadAsync(request with { Since = new DateOnly(2018, 11, 3), Until = new DateOnly(2018, 11, 4) });
        await AssertCopiedAsync(standIn, mark, backfill.RunId, root, ("staging_songs", []), ("staging_events", [DayKey(root, 3), DayKey(root, 4)]));
        Assert.Equal((long)(Data.EventsOfDay(3).Count + Data.EventsOfDay(4).Count), backfill.EventsStaged);
        AssertStar(star, await ReadStarAsync(standIn.DatabaseConnectionString));
        Assert.Equal(Days + songsSoFar.Count, await LedgerCountAsync(standIn, root));
    }

    [Fact]
    public async Task Days_1_to_15_with_half_the_songs_then_days_16_to_30_with_the_rest_equal_one_load_of_everything()
    {
        var root = await NewRootAsync();
        await using var standIn = await MigratedStandInAsync();
        var loader = Loader(standIn, ManifestPrefix(root));
        var (earlySongs, lateSongs) = IncrementalLoadTests.SongHalves();
        var (larger, smaller) = IncrementalLoadTests.LateSongsOfADay3Play();
        await PutSongsAsync(root, earlySongs, larger);
        foreach (var day in Enumerable.Range(1, 15))
        {
            await PutDayAsync(root, day);
        }

        await loader.LoadAsync(Request(root));
        Assert.Contains((await ReadStarAsync(standIn.DatabaseConnectionString)).SongPlays, p => p.SongId == larger.SongId);

        await PutSongsAsync(root, lateSongs, smaller);
        foreach (var day in Enumerable.Range(16, 15))
        {
            await PutDayAsync(root, day);
        }

        var second = await loader.LoadAsync(Request(root));

        Assert.Equal(((long)Data.LaterDays.Count, lateSongs.Count + 1L), (second.EventsStaged, second.SongsStaged));
        var star = await ReadStarAsync(standIn.DatabaseConnectionString);
        AssertStar(Oracle.Derive(Data.Events, [.. Data.Songs, larger, smaller]), star);
        Assert.Contains(star.SongPlays, p => p.SongId == smaller.SongId);
        Assert.DoesNotContain(star.SongPlays, p => p.SongId == larger.SongId);
    }

    [Fact]
    public async Task A_failed_load_records_no_files_and_the_ledger_counts_rejects_per_file_and_staged_records_when_a_COPY_read_one_file()
    {
        var root = await NewRootAsync();
        await using var standIn = await MigratedStandInAsync();
        var songKeys = await PutSongsAsync(root, [0, 1, 2], null);
        await PutDayAsync(root, 1);
        var request = Request(root);
        await Loader(standIn, ManifestPrefix(root)).LoadAsync(request);
        var ledger = await LedgerAsync(standIn);
        var star = await ReadStarAsync(standIn.DatabaseConnectionString);

        // Day 2 with a record Redshift cannot load (its ts is not a number).
        var lines = (await File.ReadAllLinesAsync(SampleBatches.LogFile(2))).Append("{\"ts\": \"yesterday\", \"userId\": \"8\", \"page\": \"NextSong\"}");
        await s3.Server.PutObjectAsync(Bucket, DayKey(root, 2), System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));
        var failed = await Assert.ThrowsAsync<WarehouseLoadException>(() => Loader(standIn, ManifestPrefix(root)).LoadAsync(request));
        Assert.Equal(LoadRunStatus.Failed, failed.Result.Status);
        Assert.Equal(ledger, await LedgerAsync(standIn));
        AssertStar(star, await ReadStarAsync(standIn.DatabaseConnectionString));

        var within = await Loader(standIn, ManifestPrefix(root), maxErrors: 1).LoadAsync(request);
        Assert.Equal((1L, (long)Data.EventsOfDay(2).Count), (within.Rejected, within.EventsStaged));
        // Rejects come per file from the error view; a COPY's count is per file only when it read one
        // file (each day's COPY here), NULL (shown ∅) for files a COPY read together (the three songs).
        var rows = await WarehouseDb.RowsAsync(standIn.DatabaseConnectionString, "SELECT uri, records_staged, records_rejected FROM load_files ORDER BY uri");
        string[] expected =
        [
            $"s3://{Bucket}/{DayKey(root, 1)}|{Data.EventsOfDay(1).Count}|0",
            $"s3://{Bucket}/{DayKey(root, 2)}|{Data.EventsOfDay(2).Count}|1",
            .. songKeys.Select(key => $"s3://{Bucket}/{key}|∅|0").Order(StringComparer.Ordinal),
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), rows.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Without_a_manifest_prefix_every_file_is_COPYed_and_recorded_and_a_backfill_is_refused_naming_the_setting()
    {
        var root = await NewRootAsync();
        await using var standIn = await MigratedStandInAsync();
        var songKeys = await PutSongsAsync(root, [0, 1], null);
        await PutDayAsync(root, 1);
        await PutDayAsync(root, 2);
        var loader = Loader(standIn, manifestPrefix: null);
        await loader.LoadAsync(Request(root));
        await PutDayAsync(root, 3);

        // The prefix COPY reads every file again, the new one with them; the ledger records all.
        var mark = standIn.Statements.Count;
        var second = await loader.LoadAsync(Request(root));
        Assert.Equal((0L, (long)(Data.EventsOfDay(1).Count + Data.EventsOfDay(2).Count + Data.EventsOfDay(3).Count)), (second.FilesSkipped, second.EventsStaged));
        var copies = standIn.Statements.Skip(mark).Where(sql => sql.StartsWith("COPY ", StringComparison.Ordinal)).ToList();
        Assert.Equal([$"FROM 's3://{Bucket}/{root}/song_data/'", $"FROM 's3://{Bucket}/{root}/log_data/'"], copies.Select(sql => sql.Split('\n')[1]));
        Assert.All(copies, sql => Assert.DoesNotContain("MANIFEST", sql, StringComparison.Ordinal));
        Assert.Equal(songKeys.Count + 3, await LedgerCountAsync(standIn, root));
        Assert.Equal(songKeys.Count + 3, await WarehouseDb.ScalarAsync(standIn.DatabaseConnectionString, $"SELECT COUNT(*) FROM load_files WHERE run_id = '{second.RunId}'"));
        AssertStar(Oracle.Derive(Enumerable.Range(1, 3).SelectMany(Data.EventsOfDay), [Data.Songs[0], Data.Songs[1]]), await ReadStarAsync(standIn.DatabaseConnectionString));

        // sparkify files says the same: every file is read; with a manifest prefix, none would be.
        string[] files = ["files", "--provider", "redshift", "--connection", standIn.ConnectionString, "--s3-endpoint", s3.Server.ServiceUrl, "--songs", Request(root).SongsSource, "--events", Request(root).EventsSource, "--format", "json"];
        Assert.All(await FilesAsync(files), file => Assert.Equal(("unchanged", true), (file.Status, file.WillLoad)));
        Assert.All(await FilesAsync([.. files, "--manifest-prefix", ManifestPrefix(root)]), file => Assert.Equal(("unchanged", false), (file.Status, file.WillLoad)));

        var refused = await CliRunner.RunAsync(
            "load", "--provider", "redshift", "--connection", standIn.ConnectionString, "--iam-role", RedshiftLoadTests.IamRole, "--s3-endpoint", s3.Server.ServiceUrl,
            "--songs", Request(root).SongsSource, "--events", Request(root).EventsSource, "--jsonpaths", JsonPaths, "--since", "2018-11-02");
        Assert.True(refused.ExitCode != 0, refused.ToString());
        Assert.Contains("--manifest-prefix", refused.Error, StringComparison.Ordinal);
        Assert.Contains("Sparkify:Redshift:ManifestPrefix", refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", refused.Error, StringComparison.Ordinal);
        Assert.Equal(2, (await WarehouseDb.RunsAsync(standIn.DatabaseConnectionString)).Count);
    }

    [Fact]
    public async Task The_dry_run_prints_the_manifests_it_would_write_and_the_COPY_from_the_manifest()
    {
        var root = await NewRootAsync();
        await using var standIn = await MigratedStandInAsync();
        await PutSongsAsync(root, [0], null);
        await PutDayAsync(root, 1);
        await Loader(standIn, ManifestPrefix(root)).LoadAsync(Request(root));
        var day2 = await PutDayAsync(root, 2);

        var dryRun = await CliRunner.RunAsync(
            "load", "--dry-run", "--provider", "redshift", "--connection", standIn.ConnectionString, "--iam-role", RedshiftLoadTests.IamRole,
            "--s3-endpoint", s3.Server.ServiceUrl, "--manifest-prefix", ManifestPrefix(root),
            "--songs", Request(root).SongsSource, "--events", Request(root).EventsSource, "--jsonpaths", JsonPaths);

        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        Assert.Contains("-- files: 1 to read (1 new, 0 changed), 2 skipped as loaded unchanged", dryRun.Out, StringComparison.Ordinal);
        Assert.Contains("-- no manifest and no COPY for staging_songs: nothing to read", dryRun.Out, StringComparison.Ordinal);
        Assert.Contains($"-- manifest {ManifestPrefix(root)}/sparkify-<run id>-staging_events.manifest, written before its COPY:", dryRun.Out, StringComparison.Ordinal);

        // The printed manifest, comment markers taken off, is the manifest of day 2 alone.
        var block = dryRun.Out.Split('\n').SkipWhile(line => !line.StartsWith("-- manifest ", StringComparison.Ordinal)).Skip(1).TakeWhile(line => line.StartsWith("--   ", StringComparison.Ordinal));
        using var manifest = JsonDocument.Parse(string.Join('\n', block.Select(line => line[5..])));
        var entry = Assert.Single(manifest.RootElement.GetProperty("entries").EnumerateArray());
        Assert.Equal(($"s3://{Bucket}/{day2}", true, new FileInfo(SampleBatches.LogFile(2)).Length), (entry.GetProperty("url").GetString(), entry.GetProperty("mandatory").GetBoolean(), entry.GetProperty("meta").GetProperty("content_length").GetInt64()));
        Assert.Matches($@"COPY staging_events \([^)]*\)\nFROM '{ManifestPrefix(root)}/sparkify-[0-9a-f-]{{36}}-staging_events\.manifest'\nIAM_ROLE '[^']*'\nMANIFEST\n", dryRun.Out);
        await Sqlfluff.AssertParsesAsync(dryRun.Out);
        Assert.Single(await WarehouseDb.RunsAsync(standIn.DatabaseConnectionString));
    }

    private static string JsonPaths => $"s3://{Bucket}/log_json_path.json";

    private static string ManifestPrefix(string root) => $"s3://{ManifestBucket}/{root}";

    private static LoadRequest Request(string root) => new()
    {
        SongsSource = $"s3://{Bucket}/{root}/song_data/",
        EventsSource = $"s3://{Bucket}/{root}/log_data/",
        JsonPathsSource = JsonPaths,
    };

    private static string DayKey(string root, int day) => $"{root}/log_data/2018/11/{Path.GetFileName(SampleBatches.LogFile(day))}";

    private async Task<string> NewRootAsync()
    {
        await s3.Server.CreateBucketAsync(ManifestBucket);
        return "rsincr-" + Guid.NewGuid().ToString("N")[..12];
    }

    private async Task<string> PutDayAsync(string root, int day)
    {
        await s3.Server.PutObjectAsync(Bucket, DayKey(root, day), await File.ReadAllBytesAsync(SampleBatches.LogFile(day)));
        return DayKey(root, day);
    }

    /// <summary>Puts the sample's song files with these indexes, and a file of <paramref name="synthetic"/>; returns their keys.</summary>
    private async Task<List<string>> PutSongsAsync(string root, IEnumerable<int> indexes, SongRecord? synthetic)
    {
        var songFiles = Directory.GetFiles(TestEnvironment.SampleSongs, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        var keys = new List<string>();
        foreach (var index in indexes)
        {
            var key = $"{root}/song_data/{Path.GetRelativePath(TestEnvironment.SampleSongs, songFiles[index]).Replace('\\', '/')}";
            await s3.Server.PutObjectAsync(Bucket, key, await File.ReadAllBytesAsync(songFiles[index]));
            keys.Add(key);
        }

        if (synthetic is not null)
        {
            var key = $"{root}/song_data/late/{synthetic.SongId}.json";
            await s3.Server.PutObjectAsync(Bucket, key, IncrementalLoadTests.SongJson(synthetic));
            keys.Add(key);
        }

        return keys;
    }

    /// <summary>
    /// What the load since statement <paramref name="before"/> COPYed, per staging table: a COPY from
    /// the run's manifest of exactly <paramref name="expected"/>'s keys (read back from s3rver), or, for
    /// none, no COPY and no manifest.
    /// </summary>
    private async Task AssertCopiedAsync(Stand standIn, int before, Guid runId, string root, params (string Table, IReadOnlyList<string> Keys)[] expected)
    {
        var copies = standIn.Statements.Skip(before).Where(sql => sql.StartsWith("COPY ", StringComparison.Ordinal)).ToList();
        foreach (var (table, keys) in expected)
        {
            var manifestKey = $"{root}/sparkify-{runId:D}-{table}.manifest";
            var copy = copies.Where(sql => sql.StartsWith($"COPY {table} ", StringComparison.Ordinal)).ToList();
            if (keys.Count == 0)
            {
                Assert.Empty(copy);
                Assert.False(await ExistsAsync(manifestKey), manifestKey);
                continue;
            }

            Assert.Contains($"\nFROM 's3://{ManifestBucket}/{manifestKey}'\n", Assert.Single(copy), StringComparison.Ordinal);
            Assert.Contains("\nMANIFEST\n", copy[0], StringComparison.Ordinal);
            using var stored = await s3.Server.Client.GetObjectAsync(new GetObjectRequest { BucketName = ManifestBucket, Key = manifestKey });
            using var manifest = await JsonDocument.ParseAsync(stored.ResponseStream);
            var entries = manifest.RootElement.GetProperty("entries").EnumerateArray().ToList();
            Assert.Equal(keys.Select(key => $"s3://{Bucket}/{key}").Order(StringComparer.Ordinal), entries.Select(e => e.GetProperty("url").GetString()!).Order(StringComparer.Ordinal));
            Assert.All(entries, e => Assert.True(e.GetProperty("mandatory").GetBoolean()));
        }
    }

    private async Task<bool> ExistsAsync(string manifestKey)
    {
        var listed = await s3.Server.Client.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = ManifestBucket, Prefix = manifestKey });
        return listed.S3Objects?.Count > 0;
    }

    private async Task<Stand> MigratedStandInAsync()
    {
        var standIn = await Stand.StartAsync(s3.Server.Client);
        await using var context = new WarehouseDbContext(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse(standIn.ConnectionString, WarehouseProvider.Redshift).Options);
        await context.Database.MigrateAsync();
        return standIn;
    }

    private WarehouseLoader Loader(Stand standIn, string? manifestPrefix, int maxErrors = 0) => new(new WarehouseOptions
    {
        Provider = WarehouseProvider.Redshift,
        ConnectionString = standIn.ConnectionString,
        IamRole = RedshiftLoadTests.IamRole,
        S3 = s3.Server.Settings(),
        MaxErrors = maxErrors,
        Redshift = new RedshiftSettings { ManifestPrefix = manifestPrefix },
    })
    {
        TransientRetries = 0,
    };

    private static Task<long> LedgerCountAsync(Stand standIn, string root)
        => WarehouseDb.ScalarAsync(standIn.DatabaseConnectionString, $"SELECT COUNT(*) FROM load_files WHERE uri LIKE 's3://{Bucket}/{root}/%'");

    private static Task<List<string>> LedgerAsync(Stand standIn)
        => WarehouseDb.RowsAsync(standIn.DatabaseConnectionString, "SELECT uri, size_bytes, etag, run_id, records_staged, records_rejected FROM load_files ORDER BY uri");

    private static async Task<List<(string Status, bool WillLoad)>> FilesAsync(string[] arguments)
    {
        var result = await CliRunner.RunAsync(arguments);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Out);
        return [.. json.RootElement.EnumerateArray().Select(f => (f.GetProperty("status").GetString()!, f.GetProperty("will_load").GetBoolean()))];
    }
}
