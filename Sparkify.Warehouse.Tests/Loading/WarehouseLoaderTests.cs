using Microsoft.EntityFrameworkCore;
using Npgsql;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Tests.TestUtilities;
using static Sparkify.Warehouse.Tests.TestUtilities.StarTables;

namespace Sparkify.Warehouse.Tests.Loading;

public sealed class WarehouseLoaderTests(SparkifySampleInS3 s3) : IClassFixture<SparkifySampleInS3>
{

    [Fact]
    public async Task Real_sample_loads_every_staging_row_and_the_star_tables_the_contract_derives()
    {
        var connectionString = await MigratedDatabaseFixture.CreateAsync("load");

        var result = await Loader(connectionString).LoadAsync(SampleRequest());

        Assert.Equal(LoadRunStatus.Succeeded, result.Status);
        Assert.Equal((71, 30), (result.SongFiles, result.EventFiles));
        Assert.Equal((71, 8056), (result.SongsStaged, result.EventsStaged));
        Assert.Equal(0, result.Rejected);
        Assert.Equal(6820, result.SongPlaysInserted);
        Assert.Equal(8056L, await ScalarAsync(connectionString, "SELECT COUNT(*) FROM staging_events"));
        Assert.Equal(71L, await ScalarAsync(connectionString, "SELECT COUNT(*) FROM staging_songs"));
        Assert.Equal(1L, await ScalarAsync(connectionString, "SELECT COUNT(*) FROM songplays WHERE song_id IS NOT NULL"));
        AssertStar(Oracle.Derive(SampleRecords.Instance.Events, SampleRecords.Instance.Songs), await ReadStarAsync(connectionString));

        var run = await ReadRunAsync(connectionString, result.RunId);
        Assert.Equal((LoadRunStatus.Succeeded, 8056L, 71L, 0L, 6820L, result.UsersUpserted, 71L, result.ArtistsUpserted, result.TimeInserted),
            (run.Status, run.EventsStaged, run.SongsStaged, run.RowsRejected, run.SongPlaysInserted, run.UsersUpserted, run.SongsInserted, run.ArtistsUpserted, run.TimeInserted));
        Assert.NotNull(run.FinishedAt);
        Assert.Null(run.Error);
    }

    [Fact]
    public async Task The_same_files_served_by_s3rver_load_identically_plain_and_gzipped()
    {
        var local = await MigratedDatabaseFixture.CreateAsync("loadlocal");
        var remote = await MigratedDatabaseFixture.CreateAsync("loads3");
        var gzipped = await MigratedDatabaseFixture.CreateAsync("loads3gz");

        await Loader(local).LoadAsync(SampleRequest());
        var fromS3 = await Loader(remote).LoadAsync(new LoadRequest
        {
            SongsSource = $"s3://{SparkifySampleInS3.Bucket}/song_data/",
            EventsSource = $"s3://{SparkifySampleInS3.Bucket}/log_data/",
            JsonPathsSource = $"s3://{SparkifySampleInS3.Bucket}/log_json_path.json",
        });
        var fromGzip = await Loader(gzipped).LoadAsync(new LoadRequest
        {
            SongsSource = $"s3://{SparkifySampleInS3.Bucket}/song_data/",
            EventsSource = $"s3://{SparkifySampleInS3.Bucket}/{SparkifySampleInS3.GzipLogPrefix}/",
        });

        Assert.Equal((71, 8056, 6820), (fromS3.SongsStaged, fromS3.EventsStaged, fromS3.SongPlaysInserted));
        Assert.Equal((71, 8056, 6820), (fromGzip.SongsStaged, fromGzip.EventsStaged, fromGzip.SongPlaysInserted));
        var expected = await ReadStarAsync(local);
        AssertStar(expected, await ReadStarAsync(remote));
        AssertStar(expected, await ReadStarAsync(gzipped));
    }

    [Fact]
    public async Task Two_batches_in_either_order_equal_one_load_and_reloading_changes_nothing()
    {
        var (earlier, later) = SplitLogDays(15);
        var atOnce = await MigratedDatabaseFixture.CreateAsync("atonce");
        var forward = await MigratedDatabaseFixture.CreateAsync("forward");
        var backward = await MigratedDatabaseFixture.CreateAsync("backward");
        try
        {
            await Loader(atOnce).LoadAsync(SampleRequest());
            await Loader(forward).LoadAsync(SampleRequest() with { EventsSource = earlier });
            await Loader(forward).LoadAsync(SampleRequest() with { EventsSource = later });
            await Loader(backward).LoadAsync(SampleRequest() with { EventsSource = later });
            await Loader(backward).LoadAsync(SampleRequest() with { EventsSource = earlier });

            var expected = await ReadStarAsync(atOnce);
            AssertStar(expected, await ReadStarAsync(forward));
            AssertStar(expected, await ReadStarAsync(backward));

            var ids = await ScalarAsync(atOnce, "SELECT SUM(songplay_id) FROM songplays");
            var reload = await Loader(atOnce).LoadAsync(SampleRequest());
            Assert.Equal((0L, 0L, 0L, 0L, 0L), (reload.SongPlaysInserted, reload.UsersUpserted, reload.SongsInserted, reload.ArtistsUpserted, reload.TimeInserted));
            AssertStar(expected, await ReadStarAsync(atOnce));
            Assert.Equal(ids, await ScalarAsync(atOnce, "SELECT SUM(songplay_id) FROM songplays"));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(earlier)!, recursive: true);
        }
    }

    [Fact]
    public async Task Bad_records_are_rejected_line_by_line_with_reasons_while_the_good_lines_load()
    {
        var connectionString = await MigratedDatabaseFixture.CreateAsync("badlines");
        var folder = BadInput.Write();
        try
        {
            var result = await Loader(connectionString).LoadAsync(SampleRequest() with { EventsSource = folder, MaxErrors = BadInput.Rejected.Count });

            Assert.Equal(LoadRunStatus.Succeeded, result.Status);
            Assert.Equal(BadInput.Rejected.Count, result.Rejected);
            Assert.Equal(BadInput.Loaded, result.EventsStaged);
            var errors = await ReadErrorsAsync(connectionString, result.RunId);
            Assert.Equal(BadInput.Rejected.Select(r => (r.Line, r.Column)), errors.Select(e => (e.LineNumber, e.ColumnName)));
            Assert.All(errors.Zip(BadInput.Rejected), pair =>
            {
                Assert.Equal(Path.Combine(folder, BadInput.FileName), pair.First.Source);
                Assert.Contains(pair.Second.ReasonFragment, pair.First.Reason, StringComparison.OrdinalIgnoreCase);
                Assert.False(string.IsNullOrEmpty(pair.First.RawLine));
            });

            // Lenient input loads, as Redshift's COPY does: a numeric string into a number, "" into a number as NULL, a missing key as NULL.
            Assert.Equal(1541105830796L, await ScalarAsync(connectionString, "SELECT ts FROM staging_events WHERE user_agent = 'numeric-string-ts'"));
            Assert.Equal(1L, await ScalarAsync(connectionString, "SELECT COUNT(*) FROM staging_events WHERE user_agent = 'empty-length' AND length IS NULL"));
            Assert.Equal(1L, await ScalarAsync(connectionString, "SELECT COUNT(*) FROM staging_events WHERE user_agent = 'missing-location' AND location IS NULL"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Rejects_beyond_max_errors_fail_the_load_leave_the_star_tables_untouched_and_exit_non_zero()
    {
        var connectionString = await MigratedDatabaseFixture.CreateAsync("maxerrors");
        await Loader(connectionString).LoadAsync(SampleRequest());
        var before = await ReadStarAsync(connectionString);
        var folder = BadInput.Write();
        try
        {
            var cli = await CliRunner.RunAsync("load", "--connection", connectionString, "--songs", TestEnvironment.SampleSongs,
                "--events", folder, "--max-errors", (BadInput.Rejected.Count - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));

            Assert.Equal(1, cli.ExitCode);
            Assert.Contains("more than --max-errors", cli.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", cli.Error, StringComparison.Ordinal);
            AssertStar(before, await ReadStarAsync(connectionString));
            Assert.Equal(8056L, await ScalarAsync(connectionString, "SELECT COUNT(*) FROM staging_events"));
            var run = await LatestRunAsync(connectionString);
            Assert.Equal(LoadRunStatus.Failed, run.Status);
            Assert.Contains("more than --max-errors", run.Error, StringComparison.Ordinal);
            Assert.Equal(BadInput.Rejected.Count, (await ReadErrorsAsync(connectionString, run.RunId)).Count);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // Events are staged before songs (the song files are listed meanwhile), each against the whole
    // budget; what a load reports must still be what staging the songs first reports.
    [Fact]
    public async Task Rejects_are_reported_songs_first_and_cut_at_max_errors_plus_one_as_if_songs_were_staged_first()
    {
        var connectionString = await MigratedDatabaseFixture.CreateAsync("rejectorder");
        using var songs = new ScratchFolder();
        songs.Write("A/bad-1.json", """{"song_id": "SOBAD1", "year": "not a year"}""");
        songs.Write("A/bad-2.json", """{"song_id": "SOBAD2", "duration": "long"}""");
        songs.Write("A/good.json", """{"song_id": "SOGOOD", "title": "Good", "artist_id": "ARGOOD", "duration": 1.5}""");
        var events = BadInput.Write();
        try
        {
            var request = new LoadRequest { SongsSource = songs.Path, EventsSource = events };
            var failed = await Assert.ThrowsAsync<WarehouseLoadException>(() => Loader(connectionString).LoadAsync(request with { MaxErrors = 2 }));
            var failedRun = await LatestRunAsync(connectionString);
            var expectedAtTheLimit = new[] { ("bad-1.json", 1L), ("bad-2.json", 1L), (BadInput.FileName, BadInput.Rejected[0].Line) };
            Assert.Equal(expectedAtTheLimit, await ErrorsInOrderAsync(connectionString, failedRun.RunId));
            Assert.Equal((LoadRunStatus.Failed, 3L), (failedRun.Status, failedRun.RowsRejected));
            Assert.Contains("bad-1.json", failed.Message, StringComparison.Ordinal);

            var loaded = await Loader(connectionString).LoadAsync(request with { MaxErrors = 2 + BadInput.Rejected.Count });
            Assert.Equal((LoadRunStatus.Succeeded, 2 + BadInput.Rejected.Count, 1L, (long)BadInput.Loaded), (loaded.Status, (int)loaded.Rejected, loaded.SongsStaged, loaded.EventsStaged));
            Assert.Equal(
                [("bad-1.json", 1L), ("bad-2.json", 1L), .. BadInput.Rejected.Select(r => (BadInput.FileName, r.Line))],
                await ErrorsInOrderAsync(connectionString, loaded.RunId));
        }
        finally
        {
            Directory.Delete(events, recursive: true);
        }
    }

    [Fact]
    public async Task A_load_failing_on_a_song_file_after_the_events_were_staged_still_records_the_events_rejects()
    {
        var connectionString = await MigratedDatabaseFixture.CreateAsync("rejectsonfailure");
        using var songs = new ScratchFolder();
        songs.Write("A/good.json", """{"song_id": "SOGOOD", "title": "Good", "artist_id": "ARGOOD", "duration": 1.5}""");
        songs.Write("A/broken.json.gz", "not gzip at all");
        var events = BadInput.Write();
        try
        {
            var request = new LoadRequest { SongsSource = songs.Path, EventsSource = events, MaxErrors = BadInput.Rejected.Count };
            var failed = await Assert.ThrowsAsync<WarehouseLoadException>(() => Loader(connectionString).LoadAsync(request));

            Assert.Contains("broken.json.gz", failed.Message, StringComparison.Ordinal);
            var run = await LatestRunAsync(connectionString);
            Assert.Equal((LoadRunStatus.Failed, (long)BadInput.Rejected.Count), (run.Status, run.RowsRejected));
            Assert.Equal(BadInput.Rejected.Select(r => (BadInput.FileName, r.Line)), await ErrorsInOrderAsync(connectionString, run.RunId));
        }
        finally
        {
            Directory.Delete(events, recursive: true);
        }
    }

    [Fact]
    public async Task Sparkify_load_prints_a_summary_and_records_the_run()
    {
        var connectionString = await MigratedDatabaseFixture.CreateAsync("cliload");

        var cli = await CliRunner.RunAsync("load", "--connection", connectionString, "--songs", TestEnvironment.SampleSongs,
            "--events", TestEnvironment.SampleLogs, "--jsonpaths", TestEnvironment.SampleJsonPaths);

        Assert.True(cli.ExitCode == 0, cli.ToString());
        Assert.Contains("succeeded", cli.Out, StringComparison.Ordinal);
        Assert.Matches(@"songplays inserted\s*│\s*6,820", cli.Out);
        Assert.Equal(LoadRunStatus.Succeeded, (await LatestRunAsync(connectionString)).Status);
    }

    [Fact]
    public async Task Redshift_dry_run_prints_copy_and_transform_sql_that_a_redshift_parser_accepts()
    {
        var cli = await CliRunner.RunAsync("load", "--dry-run", "--provider", "redshift",
            "--songs", "s3://udacity-dend/song_data/", "--events", "s3://udacity-dend/log_data/",
            "--jsonpaths", "s3://udacity-dend/log_json_path.json", "--iam-role", "arn:aws:iam::123456789012:role/dwhRole", "--s3-region", "us-west-2");

        Assert.True(cli.ExitCode == 0, cli.ToString());
        Assert.Contains("COPY staging_songs", cli.Out, StringComparison.Ordinal);
        Assert.Contains("FORMAT AS JSON 's3://udacity-dend/log_json_path.json'", cli.Out, StringComparison.Ordinal);
        Assert.Contains("IAM_ROLE 'arn:aws:iam::123456789012:role/dwhRole'", cli.Out, StringComparison.Ordinal);
        Assert.Contains("INSERT INTO songplays", cli.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("TRUNCATE", cli.Out, StringComparison.Ordinal);
        await Sqlfluff.AssertParsesAsync(cli.Out);
    }

    // The IAM role and region are settings, checked when the CLI starts (a usage error, exit 2); the
    // sources are checked by the load itself (exit 1).
    [Theory]
    [InlineData("--songs", "s3://udacity-dend/song_data'; DROP TABLE users; --", 1)]
    [InlineData("--iam-role", "arn:aws:iam::123456789012:role/x' CREDENTIALS 'y", 2)]
    [InlineData("--s3-region", "us-west-2'; --", 2)]
    [InlineData("--songs", "/local/song_data", 1)]
    [InlineData("--events", "s3://udacity-dend/log_data/\nDROP TABLE users", 1)]
    [InlineData("--jsonpaths", "s3://udacity-dend/log_json_path.json' IAM_ROLE 'arn:aws:iam::999999999999:role/attacker", 1)]
    [InlineData("--jsonpaths", "auto' MAXERROR 100000 --", 1)]
    [InlineData("--iam-role", "arn:aws:iam::123456789012:role/dwhRole\nCREDENTIALS 'aws_access_key_id=x'", 2)]
    [InlineData("--iam-role", "default' ACCEPTINVCHARS '", 2)]
    [InlineData("--s3-region", "us-west-2' MANIFEST --", 2)]
    [InlineData("--s3-region", "us\u2010west\u20102", 2)]
    [InlineData("--s3-endpoint", "http://127.0.0.1:4568/';DROP TABLE users;--", 2)]
    [InlineData("--s3-endpoint", "http://127.0.0.1:4568/?x='; DROP TABLE users; --", 2)]
    [InlineData("--s3-endpoint", "javascript:alert(1)", 2)]
    public async Task Redshift_load_refuses_hostile_or_local_values_before_any_sql(string option, string value, int exitCode)
    {
        var args = new Dictionary<string, string>
        {
            ["--songs"] = "s3://udacity-dend/song_data/",
            ["--events"] = "s3://udacity-dend/log_data/",
            ["--jsonpaths"] = "s3://udacity-dend/log_json_path.json",
            ["--iam-role"] = "arn:aws:iam::123456789012:role/dwhRole",
            ["--s3-region"] = "us-west-2",
        };
        args[option] = value;

        var cli = await CliRunner.RunAsync(["load", "--dry-run", "--provider", "redshift", .. args.SelectMany(a => new[] { a.Key, a.Value })]);

        Assert.Equal(exitCode, cli.ExitCode);
        Assert.Empty(cli.Out);
        Assert.StartsWith("error: ", cli.Error, StringComparison.Ordinal);
    }

    private WarehouseLoader Loader(string connectionString)
        => new(new WarehouseOptions { ConnectionString = connectionString, S3 = s3.Server.Settings() });

    private static LoadRequest SampleRequest() => new() { SongsSource = TestEnvironment.SampleSongs, EventsSource = TestEnvironment.SampleLogs };

    /// <summary>Copies the sample's log files into two temporary folders: days up to <paramref name="lastEarlierDay"/>, and the rest.</summary>
    private static (string Earlier, string Later) SplitLogDays(int lastEarlierDay)
    {
        var root = Path.Combine(Path.GetTempPath(), $"sparkify-split-{Guid.NewGuid():N}");
        var earlier = Directory.CreateDirectory(Path.Combine(root, "earlier")).FullName;
        var later = Directory.CreateDirectory(Path.Combine(root, "later")).FullName;
        foreach (var file in Directory.GetFiles(TestEnvironment.SampleLogs, "*.json", SearchOption.AllDirectories))
        {
            var day = int.Parse(Path.GetFileName(file)[8..10], System.Globalization.CultureInfo.InvariantCulture);
            File.Copy(file, Path.Combine(day <= lastEarlierDay ? earlier : later, Path.GetFileName(file)));
        }

        return (earlier, later);
    }

    private static WarehouseDbContext Context(string connectionString)
        => new(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse(connectionString).Options);

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<LoadRun> ReadRunAsync(string connectionString, Guid runId)
    {
        await using var context = Context(connectionString);
        return context.LoadRuns.Single(r => r.RunId == runId);
    }

    private static async Task<LoadRun> LatestRunAsync(string connectionString)
    {
        await using var context = Context(connectionString);
        return context.LoadRuns.OrderByDescending(r => r.StartedAt).First();
    }

    private static async Task<List<(string File, long Line)>> ErrorsInOrderAsync(string connectionString, Guid runId)
    {
        await using var context = Context(connectionString);
        return [.. context.LoadErrors.Where(e => e.RunId == runId).OrderBy(e => e.LoadErrorId).AsEnumerable().Select(e => (Path.GetFileName(e.Source), e.LineNumber))];
    }

    private static async Task<List<LoadError>> ReadErrorsAsync(string connectionString, Guid runId)
    {
        await using var context = Context(connectionString);
        return [.. context.LoadErrors.Where(e => e.RunId == runId).OrderBy(e => e.LineNumber)];
    }
}
