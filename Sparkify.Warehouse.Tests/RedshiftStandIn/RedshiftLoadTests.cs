using System.Text.RegularExpressions;
using Sparkify.Warehouse.Cli.Queries;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Generation;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Loading.Redshift;
using Sparkify.Warehouse.Tests.Generation;
using Sparkify.Warehouse.Tests.TestUtilities;
using static Sparkify.Warehouse.Tests.TestUtilities.StarTables;
using Stand = Sparkify.Warehouse.Tests.TestUtilities.RedshiftStandIn.RedshiftStandIn;

namespace Sparkify.Warehouse.Tests.RedshiftStandIn;

/// <summary>
/// The <c>sparkify</c> command line on the Redshift path, end to end through the stand-in: migrate, load
/// the real sample from s3rver with COPY, and compare the star tables with the test oracle's derivation
/// of the raw JSON (and, once, with the PostgreSQL path's rows). Each test gets a fresh stand-in database.
/// </summary>
public sealed partial class RedshiftLoadTests(SparkifySampleInS3 s3) : IClassFixture<SparkifySampleInS3>
{
    internal const string IamRole = "arn:aws:iam::123456789012:role/sparkify-loader";

    /// <summary>What a bind parameter's value looks like where the dry-run prints it.</summary>
    private const string Literal = @"(?:'(?:[^']|'')*'|NULL|-?[0-9.]+)";

    private const string PlayIds = "SELECT songplay_id, user_id, session_id, item_in_session FROM songplays ORDER BY songplay_id";

    private static string Songs => $"s3://{SparkifySampleInS3.Bucket}/song_data";

    private static string Events => $"s3://{SparkifySampleInS3.Bucket}/log_data";

    private static string JsonPaths => $"s3://{SparkifySampleInS3.Bucket}/log_json_path.json";

    [Fact]
    public async Task Cli_migrate_then_load_of_the_sample_gives_the_PostgreSQL_paths_star_row_for_row()
    {
        await using var standIn = await MigratedStandInAsync();
        var load = await LoadAsync(standIn, Songs, Events);
        Assert.True(load.ExitCode == 0, load.ToString());

        AssertStar(SampleStars.Full, await ReadStarAsync(standIn.DatabaseConnectionString));
        var postgres = await MigratedDatabaseFixture.CreateAsync("rsclipg");
        try
        {
            await WarehouseDb.Loader(postgres).LoadAsync(WarehouseDb.SampleRequest());
            foreach (var table in RedshiftPathTests.Tables)
            {
                Assert.Equal(await WarehouseDb.RowsAsync(postgres, table), await WarehouseDb.RowsAsync(standIn.DatabaseConnectionString, table));
            }
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(postgres);
        }
    }

    [Fact]
    public async Task Cli_query_on_the_stand_in_answers_every_query_as_on_PostgreSQL()
    {
        // On Redshift the command translates the helpers at run time; on PostgreSQL it sends the stored translations.
        await using var standIn = await MigratedStandInAsync();
        var load = await LoadAsync(standIn, Songs, Events);
        Assert.True(load.ExitCode == 0, load.ToString());
        var postgres = await MigratedDatabaseFixture.CreateAsync("rsquerypg");
        try
        {
            await WarehouseDb.Loader(postgres).LoadAsync(WarehouseDb.SampleRequest());
            foreach (var query in AnalystQueryCatalog.All)
            {
                string[] arguments = ["query", query.Name, "--format", "json", "--from", "2018-11-05", "--level", "paid", .. query.NeedsUserId ? new[] { "--user-id", "15" } : []];
                var onRedshift = await CliRunner.RunAsync([.. arguments, "--provider", "redshift", "--connection", standIn.ConnectionString]);
                var onPostgres = await CliRunner.RunAsync([.. arguments, "--connection", postgres]);
                Assert.True(onRedshift.ExitCode == 0, onRedshift.ToString());
                Assert.True(onPostgres.ExitCode == 0, onPostgres.ToString());
                Assert.Equal(onPostgres.Out, onRedshift.Out);
                Assert.NotEqual("[]", onPostgres.Out.Trim());
            }
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(postgres);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Two_batches_in_either_order_equal_one_load_of_all_and_loading_the_same_files_again_changes_nothing(bool laterFirst)
    {
        var (earlier, later) = SampleBatches.SplitLogDays(15);
        var prefix = $"batches-{laterFirst}";
        try
        {
            await s3.Server.UploadFolderAsync(SparkifySampleInS3.Bucket, prefix + "/earlier", earlier);
            await s3.Server.UploadFolderAsync(SparkifySampleInS3.Bucket, prefix + "/later", later);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(earlier)!, recursive: true);
        }

        await using var standIn = await MigratedStandInAsync();
        string[] batches = laterFirst ? ["later", "earlier"] : ["earlier", "later"];
        foreach (var batch in batches)
        {
            var load = await LoadAsync(standIn, Songs, $"s3://{SparkifySampleInS3.Bucket}/{prefix}/{batch}");
            Assert.True(load.ExitCode == 0, load.ToString());
        }

        var star = await ReadStarAsync(standIn.DatabaseConnectionString);
        AssertStar(SampleStars.Full, star);
        var playIds = await WarehouseDb.RowsAsync(standIn.DatabaseConnectionString, PlayIds);

        var again = await LoadAsync(standIn, Songs, $"s3://{SparkifySampleInS3.Bucket}/{prefix}/{batches[1]}");
        Assert.True(again.ExitCode == 0, again.ToString());
        AssertStar(star, await ReadStarAsync(standIn.DatabaseConnectionString));
        Assert.Equal(playIds, await WarehouseDb.RowsAsync(standIn.DatabaseConnectionString, PlayIds));
    }

    [Fact]
    public async Task A_second_load_started_during_the_first_waits_on_the_lock_and_both_complete()
    {
        await using var standIn = await MigratedStandInAsync();
        standIn.Faults.CopyDelay = TimeSpan.FromSeconds(4);
        var first = LoadAsync(standIn, Songs, Events);
        // The first load holds the lock once it has sent LOCK; the second starts while it COPYs.
        await WaitForAsync(() => standIn.Statements.Any(s => s.StartsWith("COPY ", StringComparison.Ordinal)));
        var second = LoadAsync(standIn, Songs, Events);
        var results = await Task.WhenAll(first, second);

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.ToString()));
        // The second load asked for the lock before the first committed, so it waited for it.
        var sent = standIn.Statements.ToList();
        var locks = sent.Select((sql, i) => (sql, i)).Where(x => x.sql.StartsWith("LOCK staging_events", StringComparison.Ordinal)).Select(x => x.i).ToList();
        Assert.Equal(2, locks.Count);
        Assert.Contains(sent.Skip(locks[0]).Take(locks[1] - locks[0]), sql => sql.StartsWith("COPY ", StringComparison.Ordinal));
        Assert.DoesNotContain(sent.Skip(locks[0]).Take(locks[1] - locks[0]), sql => sql.Trim().Equals("COMMIT", StringComparison.OrdinalIgnoreCase));
        AssertStar(SampleStars.Full, await ReadStarAsync(standIn.DatabaseConnectionString));
        Assert.All(await WarehouseDb.RunsAsync(standIn.DatabaseConnectionString), run => Assert.Equal(LoadRunStatus.Succeeded, run.Status));
    }

    [Fact]
    public async Task A_COPY_that_takes_40_seconds_completes()
    {
        await using var standIn = await MigratedStandInAsync();
        standIn.Faults.CopyDelay = TimeSpan.FromSeconds(40);
        var load = await LoadAsync(standIn, Songs, $"s3://{SparkifySampleInS3.Bucket}/log_data/2018/11/2018-11-01-events.json");
        Assert.True(load.ExitCode == 0, load.ToString());
        Assert.Equal(71, await WarehouseDb.ScalarAsync(standIn.DatabaseConnectionString, "SELECT count(*) FROM songs"));
        Assert.Equal(LoadRunStatus.Succeeded, Assert.Single(await WarehouseDb.RunsAsync(standIn.DatabaseConnectionString)).Status);
    }

    [Fact]
    public async Task The_dry_run_prints_what_the_stand_in_received_in_order()
    {
        await using var standIn = await MigratedStandInAsync();
        var dryRun = await CliRunner.RunAsync([.. LoadArguments(standIn.ConnectionString, Songs, Events), "--dry-run"]);
        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        var before = standIn.Statements.Count;

        var load = await LoadAsync(standIn, Songs, Events);
        Assert.True(load.ExitCode == 0, load.ToString());

        // The dry-run cannot list S3, so its COPYs carry a placeholder where GZIP would go; the
        // sample's objects are plain JSON, so the run sent no GZIP line.
        // The loader owns staging here (it ran migrate) and the load succeeds, so the non-owner COPY forms
        // and the after-failure reject capture that the plan prints under their conditions are not sent.
        // Nor, on a first load without rejects, the replacing of ledger rows or the count of rejects per file;
        // the ledger rows of all the files go in one INSERT, which the plan shows with one row.
        string[] notSent = ["-- only when the loader does not own the staging tables", "-- only when the load fails", "-- only when the load re-reads files the ledger holds", "only when there are any"];
        var printed = dryRun.Out.Split(";\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Where(sql => !notSent.Any(note => sql.Contains(note, StringComparison.Ordinal)))
            .Select(sql => Normalised(WithoutComments(sql.Replace(RedshiftCopyCommandBuilder.UnknownGzipLine + "\n", "", StringComparison.Ordinal))))
            .Where(sql => sql.Length > 0)
            .ToList();
        var received = standIn.Statements.Skip(before).Select(sql => Normalised(LedgerBatches.FirstRowOnly(sql))).ToList();
        Assert.Equal(printed.Count, received.Count);
        foreach (var (shown, sent) in printed.Zip(received))
        {
            // A statement sent with bind parameters ($1, $2, ...) is printed with the plan's values in their place.
            var pattern = "^" + Placeholders().Replace(Regex.Escape(sent), Literal) + "$";
            Assert.True(Regex.IsMatch(shown, pattern, RegexOptions.None, TimeSpan.FromSeconds(5)), $"printed:\n{shown}\nsent:\n{sent}");
        }
    }

    [Fact]
    public async Task Rejects_within_max_errors_are_recorded_by_file_and_line_and_past_it_the_load_fails_leaving_the_star_unchanged()
    {
        // A real day's log with three records Redshift cannot load, at known lines.
        var lines = (await File.ReadAllLinesAsync(SampleBatches.LogFile(1))).ToList();
        var bad = new SortedDictionary<int, string>
        {
            [2] = "{\"ts\": \"yesterday\", \"userId\": \"8\", \"page\": \"NextSong\"}",
            [8] = "{\"sessionId\": \"not a number\", \"ts\": 1541105830796, \"userId\": \"8\"}",
            [15] = "[1, 2, 3]",
        };
        foreach (var (line, text) in bad)
        {
            lines.Insert(line - 1, text);
        }

        var key = "rejects/2018-11-01-events.json";
        await s3.Server.PutObjectAsync(SparkifySampleInS3.Bucket, key, System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));
        var events = $"s3://{SparkifySampleInS3.Bucket}/rejects/";
        await using var standIn = await MigratedStandInAsync();

        var over = await LoadAsync(standIn, Songs, events, "--max-errors", "2");
        Assert.True(over.ExitCode != 0, over.ToString());
        Assert.DoesNotContain("   at ", over.Error, StringComparison.Ordinal);
        AssertStar(new Star([], [], [], [], []), await ReadStarAsync(standIn.DatabaseConnectionString));
        Assert.Equal(0, await WarehouseDb.ScalarAsync(standIn.DatabaseConnectionString, "SELECT count(*) FROM staging_events"));

        var within = await LoadAsync(standIn, Songs, events, "--max-errors", "3");
        Assert.True(within.ExitCode == 0, within.ToString());
        AssertStar(Oracle.Derive(SampleRecords.Instance.EventsOfDay(1), SampleRecords.Instance.Songs), await ReadStarAsync(standIn.DatabaseConnectionString));
        var run = (await WarehouseDb.RunsAsync(standIn.DatabaseConnectionString)).Single(r => r.Status == LoadRunStatus.Succeeded);
        Assert.Equal(3, run.RowsRejected);
        var errors = await WarehouseDb.ErrorsAsync(standIn.DatabaseConnectionString, run.RunId);
        Assert.Equal(bad.Keys.Select(line => (long)line), errors.Select(e => e.LineNumber));
        Assert.All(errors, e => Assert.Equal($"s3://{SparkifySampleInS3.Bucket}/{key}", e.Source));
        Assert.All(errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Reason)));
    }

    [Fact]
    public async Task Doctor_on_the_stand_in_reports_the_unencrypted_session_the_server_migrations_privileges_sources_and_role()
    {
        await using var standIn = await Stand.StartAsync(s3.Server.Client);
        string[] doctor =
        [
            "doctor", "--format", "json", "--provider", "redshift", "--connection", standIn.ConnectionString, "--iam-role", IamRole,
            "--s3-endpoint", s3.Server.ServiceUrl, "--songs", Songs, "--events", Events, "--jsonpaths", JsonPaths,
        ];

        var (exitCode, before) = await DoctorAsync(doctor);
        Assert.Equal(1, exitCode);
        Assert.Equal("fail", before["migrations"].Status);
        Assert.Contains(" migrations not applied", before["migrations"].Detail, StringComparison.Ordinal);
        Assert.Equal("fail", before["privileges"].Status);

        var migrate = await CliRunner.RunAsync("migrate", "--provider", "redshift", "--connection", standIn.ConnectionString);
        Assert.True(migrate.ExitCode == 0, migrate.ToString());
        (exitCode, var after) = await DoctorAsync(doctor);

        // The stand-in speaks no TLS, and an unencrypted session to Redshift is a failure with its fix.
        Assert.Equal(1, exitCode);
        Assert.Equal("fail", after["connection"].Status);
        Assert.Contains("not encrypted (SSL Mode=Disable)", after["connection"].Detail, StringComparison.Ordinal);
        Assert.Contains("SSL Mode=VerifyFull", after["connection"].Fix, StringComparison.Ordinal);
        Assert.Equal("pass", after["server"].Status);
        Assert.StartsWith("Amazon Redshift, as the provider says", after["server"].Detail, StringComparison.Ordinal);
        Assert.Equal("pass", after["migrations"].Status);
        Assert.Equal("pass", after["privileges"].Status);
        Assert.Contains("table privileges a load uses", after["privileges"].Detail, StringComparison.Ordinal);
        Assert.Equal(("pass", "pass", "pass", "pass"), (after["songs"].Status, after["events"].Status, after["jsonpaths"].Status, after["iam-role"].Status));
        Assert.Contains(Preflight.PreflightTestSupport.RawFilesAndBytes(TestEnvironment.SampleSongs), after["songs"].Detail, StringComparison.Ordinal);
        Assert.Contains(Preflight.PreflightTestSupport.RawFilesAndBytes(TestEnvironment.SampleLogs), after["events"].Detail, StringComparison.Ordinal);
        Assert.Contains(IamRole, after["iam-role"].Detail, StringComparison.Ordinal);
        Assert.All(after.Values.Where(c => c.Status == "pass"), c => Assert.Null(c.Fix));
    }

    [Fact]
    public async Task Generated_data_with_a_reject_derives_the_same_star_through_the_stand_in_as_on_PostgreSQL()
    {
        var folder = TempFolder.NewPath("rs-gen");
        var postgres = await MigratedDatabaseFixture.CreateAsync("rsgenpg");
        try
        {
            var dataset = await SparkifyDataGenerator.GenerateAsync(new GenerationOptions { OutputDirectory = folder, Songs = 60, Events = 1500, Days = 4, Seed = 13 });
            // One record neither target can load: its ts is not a number.
            var day = Directory.GetFiles(dataset.LogDataDirectory, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
            await File.AppendAllTextAsync(day, "{\"ts\": \"yesterday\", \"userId\": \"8\", \"page\": \"NextSong\"}\n");
            await s3.Server.UploadFolderAsync(SparkifySampleInS3.Bucket, "generated/song_data", dataset.SongDataDirectory);
            await s3.Server.UploadFolderAsync(SparkifySampleInS3.Bucket, "generated/log_data", dataset.LogDataDirectory);

            var local = await new WarehouseLoader(new WarehouseOptions { ConnectionString = postgres, MaxErrors = 1 }).LoadAsync(new LoadRequest
            {
                SongsSource = dataset.SongDataDirectory,
                EventsSource = dataset.LogDataDirectory,
                JsonPathsSource = dataset.JsonPathsFile,
            });
            Assert.Equal((LoadRunStatus.Succeeded, 1L), (local.Status, local.Rejected));

            await using var standIn = await MigratedStandInAsync();
            var load = await LoadAsync(standIn, $"s3://{SparkifySampleInS3.Bucket}/generated/song_data", $"s3://{SparkifySampleInS3.Bucket}/generated/log_data", "--max-errors", "1");
            Assert.True(load.ExitCode == 0, load.ToString());

            Assert.Equal(1, await WarehouseDb.ScalarAsync(standIn.DatabaseConnectionString, "SELECT count(*) FROM load_errors"));
            foreach (var table in RedshiftPathTests.Tables)
            {
                Assert.Equal(await WarehouseDb.RowsAsync(postgres, table), await WarehouseDb.RowsAsync(standIn.DatabaseConnectionString, table));
            }
        }
        finally
        {
            TempFolder.Delete(folder);
            await TestPostgres.DropDatabaseAsync(postgres);
        }
    }

    /// <summary>A stand-in over a new database, migrated by <c>sparkify migrate --provider redshift</c>.</summary>
    internal async Task<Stand> MigratedStandInAsync()
    {
        var standIn = await Stand.StartAsync(s3.Server.Client);
        var migrate = await CliRunner.RunAsync("migrate", "--provider", "redshift", "--connection", standIn.ConnectionString);
        Assert.True(migrate.ExitCode == 0, migrate.ToString());
        return standIn;
    }

    /// <summary><c>sparkify load --provider redshift</c> of <paramref name="songs"/> and <paramref name="events"/> on s3rver.</summary>
    internal Task<CliResult> LoadAsync(Stand standIn, string songs, string events, params string[] more)
        => CliRunner.RunAsync([.. LoadArguments(standIn.ConnectionString, songs, events), .. more]);

    internal string[] LoadArguments(string connectionString, string songs, string events)
        =>
        [
            "load", "--provider", "redshift", "--connection", connectionString, "--iam-role", IamRole,
            "--s3-endpoint", s3.Server.ServiceUrl, "--songs", songs, "--events", events, "--jsonpaths", JsonPaths,
        ];

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (!condition())
        {
            await Task.Delay(50, timeout.Token);
        }
    }

    private static string WithoutComments(string sql)
        => string.Join('\n', sql.Trim().Split('\n').Where(line => !line.StartsWith("-- ", StringComparison.Ordinal)));

    private static string Normalised(string sql) => RunIds().Replace(sql.Trim(), "<run>");

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex RunIds();

    [GeneratedRegex(@"\\\$[0-9]+")]
    private static partial Regex Placeholders();

    private static async Task<(int ExitCode, Dictionary<string, (string Status, string Detail, string? Fix)> Checks)> DoctorAsync(string[] arguments)
    {
        var result = await CliRunner.RunAsync(arguments);
        using var json = System.Text.Json.JsonDocument.Parse(result.Out);
        return (result.ExitCode, json.RootElement.GetProperty("checks").EnumerateArray().ToDictionary(
            c => c.GetProperty("name").GetString()!,
            c => (c.GetProperty("status").GetString()!, c.GetProperty("detail").GetString()!, c.GetProperty("fix").GetString())));
    }
}
