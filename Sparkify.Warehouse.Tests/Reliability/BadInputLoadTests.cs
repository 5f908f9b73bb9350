using System.IO.Compression;
using System.Text;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Tests.TestUtilities;
using static Sparkify.Warehouse.Tests.TestUtilities.StarTables;

namespace Sparkify.Warehouse.Tests.Reliability;

/// <summary>
/// Issue 6, item 1: bad input of every kind, end to end through <see cref="WarehouseLoader"/> and
/// <c>sparkify load</c> into <c>load_errors</c>. Each input gets its documented outcome (README "Loading": loaded, skipped,
/// rejected with a reason, or a failed load that changes nothing), never a crash.
/// </summary>
public sealed class BadInputLoadTests
{
    [Fact]
    public async Task Every_kind_of_bad_line_is_loaded_skipped_or_rejected_with_its_reason_and_the_rest_loads()
    {
        var connectionString = await MigratedDatabaseFixture.CreateAsync("corpus");
        using var corpus = BadInputCorpus.Write();
        var rejected = corpus.Rejected.ToList();

        var result = await WarehouseDb.Loader(connectionString).LoadAsync(new LoadRequest
        {
            SongsSource = corpus.Songs,
            EventsSource = corpus.Events,
            MaxErrors = rejected.Count,
        });

        Assert.Equal(LoadRunStatus.Succeeded, result.Status);
        var errors = await WarehouseDb.ErrorsAsync(connectionString, result.RunId);
        var expected = rejected.OrderBy(c => c.File, StringComparer.Ordinal).ThenBy(c => c.Line).ToList();
        Assert.Equal(
            expected.Select(c => $"{c.Name}: {Path.GetFileName(c.File)}:{c.Line} [{c.Column}]"),
            errors.Select(e => $"{expected.FirstOrDefault(c => c.File == e.Source && c.Line == e.LineNumber)?.Name}: {Path.GetFileName(e.Source)}:{e.LineNumber} [{e.ColumnName}]"));
        Assert.All(expected.Zip(errors), pair =>
        {
            Assert.Contains(pair.First.Reason!, pair.Second.Reason, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(pair.Second.RawLine), pair.First.Name);
            Assert.True(Encoding.UTF8.GetByteCount(pair.Second.RawLine!) <= 1024, pair.First.Name);
            Assert.DoesNotContain('\r', pair.Second.RawLine!);
        });

        var loadedEvents = corpus.Cases.Count(c => c.Outcome == LineOutcome.Loaded && c.File.StartsWith(corpus.Events, StringComparison.Ordinal));
        var loadedSongs = corpus.Cases.Count(c => c.Outcome == LineOutcome.Loaded && c.File.StartsWith(corpus.Songs, StringComparison.Ordinal));
        Assert.Equal((loadedEvents, loadedSongs, rejected.Count), ((int)result.EventsStaged, (int)result.SongsStaged, (int)result.Rejected));

        // Each loaded event is its own play (distinct itemInSession), so every one of them reaches songplays.
        Assert.Equal(loadedEvents, await WarehouseDb.ScalarAsync(connectionString, "SELECT COUNT(*) FROM songplays"));
        Assert.Equal(loadedSongs, await WarehouseDb.ScalarAsync(connectionString, "SELECT COUNT(*) FROM songs"));

        // What the unusual but valid lines staged.
        Assert.Equal(
            [
                "after-blank|free|Phoenix-Mesa-Scottsdale, AZ|246.30812|1541106106796",
                "bom-first|free|Phoenix-Mesa-Scottsdale, AZ|246.30812|1541106106796",
                "crlf-last|free|Phoenix-Mesa-Scottsdale, AZ|246.30812|1541106106796",
                "crlf-second|free|Phoenix-Mesa-Scottsdale, AZ|246.30812|1541106106796",
                "duplicate|paid|Phoenix-Mesa-Scottsdale, AZ|246.30812|1541106106796",
                "empty-number|free|Phoenix-Mesa-Scottsdale, AZ|∅|1541106106796",
                "extra-keys|free|Phoenix-Mesa-Scottsdale, AZ|246.30812|1541106106796",
                "good|free|Phoenix-Mesa-Scottsdale, AZ|246.30812|1541106106796",
                "gzipped|free|Phoenix-Mesa-Scottsdale, AZ|246.30812|1541106106796",
                """nested|free|{"city":{"name":"Mesa","zip":[85201,{"plus4":null}]}}|246.30812|1541106106796""",
                "numeric-string|free|Phoenix-Mesa-Scottsdale, AZ|246.30812|1541106106796",
                "reordered|free|Phoenix-Mesa-Scottsdale, AZ|246.30812|1541106106796",
            ],
            await WarehouseDb.RowsAsync(connectionString, "SELECT user_agent, level, location, length, ts FROM staging_events ORDER BY user_agent COLLATE \"C\""));

        var run = Assert.Single(await WarehouseDb.RunsAsync(connectionString));
        Assert.Equal((LoadRunStatus.Succeeded, (long)rejected.Count), (run.Status, run.RowsRejected));
    }

    [Fact]
    public async Task Sparkify_load_of_the_corpus_fails_at_the_default_max_errors_with_one_clear_line_and_changes_nothing()
    {
        var connectionString = await MigratedDatabaseFixture.CreateAsync("corpuscli");
        await WarehouseDb.Loader(connectionString).LoadAsync(WarehouseDb.SampleRequest());
        var before = await ReadStarAsync(connectionString);
        using var corpus = BadInputCorpus.Write();

        var cli = await CliRunner.RunAsync("load", "--connection", connectionString, "--songs", corpus.Songs, "--events", corpus.Events);

        Assert.Equal(1, cli.ExitCode);
        var error = Assert.Single(cli.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains("more than --max-errors 0", error, StringComparison.Ordinal);
        Assert.Contains(BadInputCorpus.SongsFile, error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", cli.Error + cli.Out, StringComparison.Ordinal);
        AssertStar(before, await ReadStarAsync(connectionString));
        Assert.Equal(LoadRunStatus.Failed, (await WarehouseDb.RunsAsync(connectionString))[^1].Status);
    }

    public static TheoryData<string, byte[]> BrokenGzipFiles()
    {
        var complete = Gzip(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 2000).Select(i => $"{{\"ts\": {1541106106796 + i}, \"userId\": \"8\"}}\n"))));
        return new()
        {
            { "not gzip at all", Encoding.UTF8.GetBytes("{\"ts\": 1541106106796}\n") },
            { "cut in half", complete[..(complete.Length / 2)] },
            { "missing its trailer", complete[..^8] },
            { "only a header", complete[..10] },
            { "a flipped byte", [.. complete[..(complete.Length / 2)], (byte)(complete[complete.Length / 2] ^ 0xFF), .. complete[(complete.Length / 2 + 1)..]] },
        };
    }

    [Theory]
    [MemberData(nameof(BrokenGzipFiles))]
    public async Task A_truncated_or_corrupt_gzip_file_fails_the_load_naming_the_file_and_changes_nothing(string kind, byte[] content)
    {
        var connectionString = await MigratedDatabaseFixture.CreateAsync("badgzip");
        await WarehouseDb.Loader(connectionString).LoadAsync(WarehouseDb.SampleRequest());
        var before = await ReadStarAsync(connectionString);
        var folder = Directory.CreateTempSubdirectory("sparkify-gzip-").FullName;
        try
        {
            File.Copy(Path.Combine(TestEnvironment.SampleLogs, "2018", "11", "2018-11-01-events.json"), Path.Combine(folder, "2018-11-01-events.json"));
            var broken = Path.Combine(folder, "2018-11-02-events.json.gz");
            await File.WriteAllBytesAsync(broken, content);

            var failure = await Assert.ThrowsAsync<WarehouseLoadException>(() =>
                WarehouseDb.Loader(connectionString).LoadAsync(WarehouseDb.SampleRequest() with { EventsSource = folder, MaxErrors = 1000 }));

            Assert.Contains($"Could not read '{broken}'", failure.Message, StringComparison.Ordinal);
            Assert.Contains("gzip", failure.Message, StringComparison.Ordinal);
            AssertStar(before, await ReadStarAsync(connectionString));
            var run = (await WarehouseDb.RunsAsync(connectionString))[^1];
            Assert.Equal((LoadRunStatus.Failed, failure.Message), (run.Status, run.Error));
            Assert.False(failure.IsTransient, kind);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_50_MB_line_is_rejected_while_the_loading_process_stays_small()
    {
        var connectionString = await MigratedDatabaseFixture.CreateAsync("hugeline");
        var folder = Directory.CreateTempSubdirectory("sparkify-hugeline-").FullName;
        try
        {
            var path = Path.Combine(folder, "2018-11-30-huge.json");
            await using (var file = File.Create(path))
            {
                var corpus = CorpusEvent();
                await file.WriteAsync(Encoding.UTF8.GetBytes(corpus.Replace("\"song\":\"You Gotta Be\"", "\"song\":\"" + new string('x', 50 * 1024 * 1024) + "\"", StringComparison.Ordinal) + "\n"));
                await file.WriteAsync(Encoding.UTF8.GetBytes(corpus + "\n"));
            }

            // Both runs are capped at 96 MB of managed heap: a reader that buffered the line, or any of
            // its doublings, would die of OutOfMemoryException instead of rejecting it.
            var environment = new Dictionary<string, string?> { ["SPARKIFY_CONNECTION"] = connectionString, ["DOTNET_GCHeapHardLimit"] = "0x6000000" };
            await using var small = SparkifyProcess.Start(environment, "load", "--songs", TestEnvironment.SampleSongs, "--events", Path.Combine(TestEnvironment.SampleLogs, "2018", "11", "2018-11-01-events.json"));
            var baseline = await small.WaitAsync();
            Assert.True(baseline.ExitCode == 0, baseline.ToString());

            await using var huge = SparkifyProcess.Start(environment, "load", "--songs", TestEnvironment.SampleSongs, "--events", path, "--max-errors", "1");
            var result = await huge.WaitAsync();

            Assert.True(result.ExitCode == 0, result.ToString());
            var run = (await WarehouseDb.RunsAsync(connectionString))[^1];
            var error = Assert.Single(await WarehouseDb.ErrorsAsync(connectionString, run.RunId));
            Assert.Equal((path, 1L, (string?)null), (error.Source, error.LineNumber, error.ColumnName));
            Assert.Contains("larger than 4 MB", error.Reason, StringComparison.Ordinal);
            Assert.Equal(1024, Encoding.UTF8.GetByteCount(error.RawLine!));
            Assert.Equal(1L, run.EventsStaged);

            // Reading 50 MB more input may cost buffers of a few MB, not the line itself.
            var growth = huge.PeakRssBytes - small.PeakRssBytes;
            Assert.True(small.PeakRssBytes > 0 && growth < 48L * 1024 * 1024,
                $"peak RSS {huge.PeakRssBytes / 1048576} MB for the 50 MB line vs {small.PeakRssBytes / 1048576} MB for a small file");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string CorpusEvent()
        => "{\"artist\":\"Des'ree\",\"auth\":\"Logged In\",\"firstName\":\"Kaylee\",\"gender\":\"F\",\"itemInSession\":1,\"lastName\":\"Summers\"," +
           "\"length\":246.30812,\"level\":\"free\",\"location\":\"Mesa, AZ\",\"method\":\"PUT\",\"page\":\"NextSong\",\"registration\":1540344794796.0," +
           "\"sessionId\":139,\"song\":\"You Gotta Be\",\"status\":200,\"ts\":1541106106796,\"userAgent\":\"after-huge\",\"userId\":\"8\"}";

    private static byte[] Gzip(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            gzip.Write(content);
        }

        return output.ToArray();
    }
}
