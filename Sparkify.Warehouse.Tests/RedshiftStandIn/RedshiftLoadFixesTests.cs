using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Tests.TestUtilities;
using Sparkify.Warehouse.Tests.TestUtilities.RedshiftStandIn;

namespace Sparkify.Warehouse.Tests.RedshiftStandIn;

/// <summary>
/// What a first load on a real cluster or Serverless workgroup meets, through the Redshift stand-in:
/// Serverless's missing STL views, a COPY past MAXERROR, serializable isolation violations, trailing
/// blanks, and a loader that does not own the staging tables. Each test gets a stand-in of its own.
/// </summary>
public sealed class RedshiftLoadFixesTests(RedshiftStandInFixture fixture) : IClassFixture<RedshiftStandInFixture>
{
    private const string IamRole = "arn:aws:iam::123456789012:role/sparkify-loader";
    private const string Bucket = SparkifySampleInS3.Bucket;

    private static readonly string[] StarTables =
    [
        "SELECT song_id, title, artist_id, year, duration FROM songs ORDER BY song_id",
        "SELECT artist_id, name, location, latitude, longitude FROM artists ORDER BY artist_id",
        "SELECT user_id, first_name, last_name, gender, level FROM users ORDER BY user_id",
        "SELECT start_time, hour, day, week, month, year, weekday FROM \"time\" ORDER BY start_time",
        "SELECT user_id, session_id, item_in_session, start_time, level, song_id, artist_id FROM songplays ORDER BY user_id, session_id, item_in_session",
    ];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_COPY_past_MAXERROR_leaves_its_rejects_in_load_errors_and_fails_as_on_PostgreSQL(bool serverless)
    {
        // Three events, the second with a session id that is not a number: one reject, on line 2.
        var prefix = $"maxerror-{serverless}/log_data/";
        string[] lines = [Event("10", 1, ts: 1541105830796), Event("10", 2, ts: 1541105830797).Replace("\"sessionId\":7", "\"sessionId\":\"seven\"", StringComparison.Ordinal), Event("11", 3, ts: 1541105830798)];
        Assert.Contains("\"seven\"", lines[1], StringComparison.Ordinal);
        await PutAsync(prefix + "events.json", string.Join('\n', lines) + "\n");
        await using var standIn = await MigratedStandInAsync(serverless);
        var loader = Loader(standIn, serverless);
        var request = Request(prefix);

        var failure = await Assert.ThrowsAsync<WarehouseLoadException>(() => loader.LoadAsync(request with { MaxErrors = 0 }));

        // Reported as a PostgreSQL load over --max-errors is: the count, the budget, the first reject.
        Assert.StartsWith("1 record(s) rejected, more than --max-errors 0; nothing was changed (see load_errors). First: ", failure.Message, StringComparison.Ordinal);
        Assert.Equal((LoadRunStatus.Failed, 1L), (failure.Result.Status, failure.Result.Rejected));
        var rejects = await WarehouseDb.ErrorsAsync(standIn.DatabaseConnectionString, failure.Result.RunId);
        var reject = Assert.Single(rejects);
        Assert.EndsWith(prefix + "events.json", reject.Source, StringComparison.Ordinal);
        Assert.Equal((2L, "session_id"), (reject.LineNumber, reject.ColumnName));
        // Only the provisioned cluster's STL view keeps the rejected record.
        Assert.Equal(serverless ? null : lines[1], reject.RawLine);
        Assert.Equal(0L, await WarehouseDb.ScalarAsync(standIn.DatabaseConnectionString, "SELECT COUNT(*) FROM songplays"));

        // Within the budget the same input loads, and its reject is recorded once, in the committed run.
        var loaded = await loader.LoadAsync(request with { MaxErrors = 1 });
        Assert.Equal((LoadRunStatus.Succeeded, 1L, 2L), (loaded.Status, loaded.Rejected, loaded.EventsStaged));
        Assert.Equal([(2L, "session_id")], (await WarehouseDb.ErrorsAsync(standIn.DatabaseConnectionString, loaded.RunId)).Select(e => (e.LineNumber, e.ColumnName)));
        if (serverless)
        {
            Assert.DoesNotContain(standIn.Statements, sql => sql.Contains("stl_", StringComparison.OrdinalIgnoreCase));
            Assert.Contains(standIn.Statements, sql => sql.Contains("FROM sys_load_error_detail", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_serializable_isolation_violation_in_the_transform_is_retried_and_the_star_is_exact()
    {
        await using var clean = await MigratedStandInAsync(serverless: false);
        await using var faulted = await MigratedStandInAsync(serverless: false);
        var expected = await Loader(clean, serverless: false).LoadAsync(SampleRequest());
        faulted.Faults.FailWithSerializationViolation("^\\s*INSERT INTO songplays");

        var retried = await Loader(faulted, serverless: false).LoadAsync(SampleRequest());

        Assert.Equal(LoadRunStatus.Succeeded, retried.Status);
        Assert.Equal(2, faulted.Statements.Count(sql => sql.StartsWith("COPY staging_events", StringComparison.Ordinal)));
        Assert.Equal((expected.SongPlaysInserted, expected.UsersUpserted, expected.SongsInserted, expected.TimeInserted), (retried.SongPlaysInserted, retried.UsersUpserted, retried.SongsInserted, retried.TimeInserted));
        foreach (var table in StarTables)
        {
            Assert.Equal(await WarehouseDb.RowsAsync(clean.DatabaseConnectionString, table), await WarehouseDb.RowsAsync(faulted.DatabaseConnectionString, table));
        }

        Assert.Equal(["failed", "succeeded"], await WarehouseDb.RowsAsync(faulted.DatabaseConnectionString, "SELECT status FROM load_runs ORDER BY started_at"));
    }

    [Fact]
    public async Task Trailing_blanks_in_titles_artist_names_and_user_ids_are_insignificant_on_both_targets()
    {
        const string prefix = "blanks/";
        await PutAsync(prefix + "song_data/song.json",
            """{"num_songs": 1, "artist_id": "ARBLANK0001", "artist_latitude": null, "artist_longitude": null, "artist_location": "", "artist_name": "Trailing Band", "song_id": "SOBLANK0001", "title": "Blank Song", "duration": 200.5, "year": 2001}""" + "\n");
        // The play names the song and the artist with trailing blanks; user "77 " is user 77.
        await PutAsync(prefix + "log_data/events.json", string.Join('\n',
            Event("77 ", 1, ts: 1541105830796, song: "Blank Song  ", artist: "Trailing Band ", length: 200.5),
            Event("77", 2, ts: 1541105830900, song: "Other Song", artist: "Other Band", length: 100)) + "\n");
        var request = new LoadRequest { SongsSource = $"s3://{Bucket}/{prefix}song_data/", EventsSource = $"s3://{Bucket}/{prefix}log_data/", JsonPathsSource = $"s3://{Bucket}/log_json_path.json" };
        var postgres = await MigratedDatabaseFixture.CreateAsync("blanks");
        try
        {
            await using var standIn = await MigratedStandInAsync(serverless: false);
            var local = await WarehouseDb.Loader(postgres, s3: fixture.S3.Settings()).LoadAsync(request);
            var copied = await Loader(standIn, serverless: false).LoadAsync(request);

            // Expected from the rule, not from a run: one user 77, two plays, the first matched.
            string[] plays = ["77|7|1|SOBLANK0001|ARBLANK0001", "77|7|2|∅|∅"];
            foreach (var connectionString in new[] { postgres, standIn.DatabaseConnectionString })
            {
                Assert.Equal(plays, await WarehouseDb.RowsAsync(connectionString, "SELECT user_id, session_id, item_in_session, song_id, artist_id FROM songplays ORDER BY item_in_session"));
                Assert.Equal(["77"], await WarehouseDb.RowsAsync(connectionString, "SELECT user_id FROM users"));
                Assert.Equal(["Blank Song|Trailing Band|77", "Other Song|Other Band|77"], await WarehouseDb.RowsAsync(connectionString, "SELECT song, artist, user_id FROM staging_events ORDER BY item_in_session"));
            }

            Assert.Equal((local.SongPlaysInserted, local.UsersUpserted), (copied.SongPlaysInserted, copied.UsersUpserted));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(postgres);
        }
    }

    [Fact]
    public async Task A_loader_that_does_not_own_staging_copies_without_STATUPDATE_skips_ANALYZE_and_warns_once()
    {
        await using var standIn = await MigratedStandInAsync(serverless: false);
        var role = $"rs_nonowner_{Environment.ProcessId}_{Guid.NewGuid():N}"[..30];
        const string password = "NonOwner-Pw-5d2e";
        var database = new NpgsqlConnectionStringBuilder(standIn.DatabaseConnectionString).Database!;
        await WarehouseDb.ExecuteAsync(standIn.DatabaseConnectionString,
            $"""
            CREATE ROLE {role} LOGIN PASSWORD '{password}';
            GRANT CONNECT, TEMP ON DATABASE {database} TO {role};
            GRANT USAGE ON SCHEMA public TO {role};
            GRANT ALL ON ALL TABLES IN SCHEMA public TO {role};
            GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role};
            """);
        try
        {
            var logger = new WarningLog<WarehouseLoader>();
            var options = Options(standIn, serverless: false);
            options.ConnectionString = new NpgsqlConnectionStringBuilder(standIn.ConnectionString) { Username = role, Password = password }.ConnectionString;
            var sentBefore = standIn.Statements.Count;

            var result = await new WarehouseLoader(options, logger).LoadAsync(SampleRequest());

            Assert.Equal(LoadRunStatus.Succeeded, result.Status);
            var sent = standIn.Statements.Skip(sentBefore).ToList();
            Assert.Equal(2, sent.Count(sql => sql.StartsWith("COPY ", StringComparison.Ordinal) && sql.EndsWith("STATUPDATE OFF", StringComparison.Ordinal)));
            Assert.DoesNotContain(sent, sql => sql.Contains("STATUPDATE ON", StringComparison.Ordinal) || sql.StartsWith("ANALYZE", StringComparison.Ordinal));
            Assert.Single(logger.Warnings, w => w.Contains("does not own staging_events and staging_songs", StringComparison.Ordinal));

            // The owner's load updates statistics.
            var owned = standIn.Statements.Count;
            await Loader(standIn, serverless: false).LoadAsync(SampleRequest());
            Assert.Equal(2, standIn.Statements.Skip(owned).Count(sql => sql.StartsWith("ANALYZE staging_", StringComparison.Ordinal)));
        }
        finally
        {
            await WarehouseDb.ExecuteAsync(standIn.DatabaseConnectionString, $"DROP OWNED BY {role}; DROP ROLE {role}");
        }
    }

    private static LoadRequest SampleRequest() => new()
    {
        SongsSource = $"s3://{Bucket}/song_data",
        EventsSource = $"s3://{Bucket}/log_data",
        JsonPathsSource = $"s3://{Bucket}/log_json_path.json",
    };

    private static LoadRequest Request(string eventsPrefix) => SampleRequest() with { EventsSource = $"s3://{Bucket}/{eventsPrefix}" };

    private WarehouseOptions Options(TestUtilities.RedshiftStandIn.RedshiftStandIn standIn, bool serverless) => new()
    {
        ConnectionString = standIn.ConnectionString,
        Provider = WarehouseProvider.Redshift,
        IamRole = IamRole,
        S3 = fixture.S3.Settings(),
        Redshift = new RedshiftSettings { Serverless = serverless },
    };

    private WarehouseLoader Loader(TestUtilities.RedshiftStandIn.RedshiftStandIn standIn, bool serverless)
        => new(Options(standIn, serverless)) { RetryBaseDelay = TimeSpan.FromMilliseconds(50) };

    private async Task<TestUtilities.RedshiftStandIn.RedshiftStandIn> MigratedStandInAsync(bool serverless)
    {
        var standIn = await TestUtilities.RedshiftStandIn.RedshiftStandIn.StartAsync(fixture.S3.Client);
        await using (var context = new WarehouseDbContext(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse(standIn.ConnectionString, WarehouseProvider.Redshift).Options))
        {
            await context.Database.MigrateAsync();
        }

        standIn.Serverless = serverless;
        return standIn;
    }

    private Task PutAsync(string key, string text) => fixture.S3.PutObjectAsync(Bucket, key, Encoding.UTF8.GetBytes(text));

    /// <summary>One log event as the sample writes it: a NextSong play in session 7 unless told otherwise.</summary>
    private static string Event(string userId, int item, long ts, string? song = null, string? artist = null, double? length = null)
        => "{\"artist\":" + Json(artist) + ",\"auth\":\"Logged In\",\"firstName\":\"Ada\",\"gender\":\"F\",\"itemInSession\":" + item.ToString(CultureInfo.InvariantCulture)
           + ",\"lastName\":\"Lovelace\",\"length\":" + (length?.ToString(CultureInfo.InvariantCulture) ?? "null")
           + ",\"level\":\"free\",\"location\":\"London\",\"method\":\"PUT\",\"page\":\"NextSong\",\"registration\":1540919166796.0,\"sessionId\":7,\"song\":" + Json(song)
           + ",\"status\":200,\"ts\":" + ts.ToString(CultureInfo.InvariantCulture) + ",\"userAgent\":\"test\",\"userId\":\"" + userId + "\"}";

    private static string Json(string? text) => text is null ? "null" : "\"" + text + "\"";
}
