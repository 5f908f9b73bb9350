using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Npgsql;
using Sparkify.Warehouse.Loading.Json;
using Sparkify.Warehouse.Loading.PostgreSql;
using Sparkify.Warehouse.Loading.Sources;
using Sparkify.Warehouse.Loading.Staging;
using Sparkify.Warehouse.Tests.TestUtilities;
using Xunit.Abstractions;

namespace Sparkify.Warehouse.Tests.Loading.PostgreSql;

public sealed class PostgresStagingCopyTests(MigratedDatabaseFixture database, ITestOutputHelper output) : IClassFixture<MigratedDatabaseFixture>
{
    private const string GoodEvent =
        """{"artist":"Muse","auth":"Logged In","firstName":"Ann","gender":"F","itemInSession":4,"lastName":"Lee","length":210.5,"level":"paid","location":"Paris","method":"PUT","page":"NextSong","registration":1540919166796.0,"sessionId":7,"song":"Uprising","status":200,"ts":1541105830796,"userAgent":"UA","userId":"15"}""";

    [Fact]
    public async Task The_real_sample_stages_every_record_exactly_as_an_independent_JSON_reading_says()
    {
        await using var connection = await database.OpenAsync();
        var staging = new PostgresStaging();
        await staging.TruncateAsync(connection, CancellationToken.None);
        var rejects = new RejectLog(Guid.NewGuid(), maxErrors: 0);
        var songFiles = LocalSources.List(TestEnvironment.SampleSongs);
        var eventFiles = LocalSources.List(TestEnvironment.SampleLogs);
        var paths = await JsonPathsFile.ReadAsync(LocalSources.List(TestEnvironment.SampleJsonPaths).Single(), CancellationToken.None);
        var progress = new List<StagingProgress>();

        var clock = Stopwatch.StartNew();
        var songs = await staging.CopySongsAsync(connection, staging.Fingerprinted(songFiles), rejects, new SyncProgress(progress.Add), CancellationToken.None);
        var events = await staging.CopyEventsAsync(connection, eventFiles, paths, rejects, new SyncProgress(progress.Add), CancellationToken.None);
        output.WriteLine($"Staged {songs.RecordsStaged} songs and {events.RecordsStaged} events ({songs.BytesRead + events.BytesRead:N0} bytes) in {clock.ElapsedMilliseconds} ms");

        Assert.Empty(rejects.Errors);
        Assert.Equal(new StagingCopyResult("staging_songs", 71, 71, songFiles.Sum(f => f.Length!.Value), 0, false), songs);
        Assert.Equal(new StagingCopyResult("staging_events", 30, 8056, eventFiles.Sum(f => f.Length!.Value), 0, false), events);
        Assert.Equal(new StagingProgress(30, 30, 8056, events.BytesRead), progress[^1]);
        Assert.Equal(6820L, await WarehouseDb.ScalarAsync(connection, "SELECT count(*) FROM staging_events WHERE page = 'NextSong'"));

        var expectedEvents = eventFiles
            .SelectMany(f => File.ReadAllLines(f.Name).Where(l => l.Trim().Length > 0))
            .Select(line => ExpectedRow(JsonDocument.Parse(line).RootElement, StagingTestSupport.Events, JsonPathsFile.DefaultEventPaths.Select(p => p.Steps[0].Key!).ToArray()))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(expectedEvents, await StagedRowsAsync(connection, StagingTestSupport.Events));

        var expectedSongs = songFiles
            .Select(f => ExpectedRow(JsonDocument.Parse(File.ReadAllText(f.Name)).RootElement, StagingTestSupport.Songs, StagingTestSupport.Songs.Columns.Select(c => c.Name).ToArray()))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(expectedSongs, await StagedRowsAsync(connection, StagingTestSupport.Songs));
    }

    [Fact]
    public async Task A_default_mapping_and_known_values_come_through_the_wire_unchanged()
    {
        await using var connection = await database.OpenAsync();
        var staging = new PostgresStaging();
        await staging.TruncateAsync(connection, CancellationToken.None);
        var firstLog = LocalSources.List(Path.Combine(TestEnvironment.SampleLogs, "2018", "11", "2018-11-01-events.json"));

        var result = await staging.CopyEventsAsync(connection, firstLog, jsonPaths: null, new RejectLog(Guid.NewGuid(), 0), null, CancellationToken.None);

        Assert.Equal(15, result.RecordsStaged);
        await using var command = new NpgsqlCommand(
            "SELECT first_name, last_name, ts, registration, user_agent, user_id, length, session_id FROM staging_events WHERE ts = 1541105830796 AND user_id = '39'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("Walter", reader.GetString(0));
        Assert.Equal("Frye", reader.GetString(1));
        Assert.Equal(1541105830796L, reader.GetInt64(2));
        Assert.Equal(1540919166796.0, reader.GetDouble(3));
        Assert.Equal("\"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/36.0.1985.143 Safari/537.36\"", reader.GetString(4));
        Assert.Equal("39", reader.GetString(5));
        Assert.True(reader.IsDBNull(6));
        Assert.Equal(38, reader.GetInt32(7));
        Assert.False(await reader.ReadAsync());
    }

    [Fact]
    public async Task Bad_records_are_rejected_with_line_column_reason_and_raw_text_and_the_rest_of_the_file_loads()
    {
        using var folder = new ScratchFolder();
        var longArtist = new string('x', 1100);
        var file = folder.Write("2018/11/bad-events.json", string.Join("\n",
            GoodEvent,
            "",
            "not json",
            GoodEvent.Replace("\"ts\":1541105830796", "\"ts\":\"abc\"", StringComparison.Ordinal),
            GoodEvent.Replace("\"sessionId\":7", "\"sessionId\":1.5", StringComparison.Ordinal),
            "[1,2]",
            GoodEvent.Replace("\"artist\":\"Muse\"", $"\"artist\":\"{longArtist}\"", StringComparison.Ordinal),
            GoodEvent.Replace("\"ts\":1541105830796", "\"ts\":\"1541105830797\"", StringComparison.Ordinal)
                .Replace("\"userId\":\"15\"", "\"userId\":\"\"", StringComparison.Ordinal)
                .Replace("\"length\":210.5", "\"length\":\"\"", StringComparison.Ordinal)) + "\n");
        await using var connection = await database.OpenAsync();
        var staging = new PostgresStaging();
        await staging.TruncateAsync(connection, CancellationToken.None);
        var runId = Guid.NewGuid();
        var rejects = new RejectLog(runId, maxErrors: 5);

        var result = await staging.CopyEventsAsync(connection, LocalSources.List(folder.Path), null, rejects, null, CancellationToken.None);

        Assert.Equal(new StagingCopyResult("staging_events", 1, 2, new FileInfo(file).Length, 5, false), result);
        Assert.False(rejects.LimitExceeded);
        Assert.All(rejects.Errors, e => Assert.Equal((runId, file), (e.RunId, e.Source)));
        Assert.Equal(
            [
                (3L, (string?)null, "malformed JSON"),
                (4L, "ts", "cannot convert \"abc\" to bigint: not a number"),
                (5L, "session_id", "cannot convert 1.5 to integer: not a whole number"),
                (6L, null, "not a JSON object (found an array)"),
                (7L, "artist", "value of 1100 bytes is longer than varchar(1024)"),
            ],
            rejects.Errors.Select(e => (e.LineNumber, e.ColumnName, e.Reason.StartsWith("malformed JSON", StringComparison.Ordinal) ? "malformed JSON" : e.Reason)));
        Assert.Equal("not json", rejects.Errors[0].RawLine);
        Assert.Equal("[1,2]", rejects.Errors[3].RawLine);
        Assert.Equal(1024, rejects.Errors[4].RawLine!.Length);
        Assert.StartsWith("{\"artist\":\"xxx", rejects.Errors[4].RawLine, StringComparison.Ordinal);

        Assert.Equal(
            ["1541105830796|15|210.5", "1541105830797||NULL"],
            await ListAsync(connection, "SELECT ts || '|' || user_id || '|' || coalesce(length::text, 'NULL') FROM staging_events ORDER BY ts"));
    }

    [Fact]
    public async Task Exceeding_max_errors_stops_reading_and_cancels_the_COPY_so_nothing_is_staged()
    {
        using var folder = new ScratchFolder();
        folder.Write("a.json", $"{GoodEvent}\n{{\"ts\":\"x\"}}\n{GoodEvent}\n");
        folder.Write("b.json", $"{GoodEvent}\n{{\"ts\":\"y\"}}\n{GoodEvent}\n");
        folder.Write("c.json", $"{{\"ts\":\"never read\"}}\n");
        await using var connection = await database.OpenAsync();
        var staging = new PostgresStaging();
        await staging.TruncateAsync(connection, CancellationToken.None);
        var rejects = new RejectLog(Guid.NewGuid(), maxErrors: 1);

        var result = await staging.CopyEventsAsync(connection, LocalSources.List(folder.Path), null, rejects, null, CancellationToken.None);

        Assert.True(result.StoppedAtErrorLimit);
        Assert.Equal((1L, 0L, 2L), (result.FilesRead, result.RecordsStaged, result.RecordsRejected));
        Assert.True(rejects.LimitExceeded);
        Assert.Equal(["a.json:2", "b.json:2"], rejects.Errors.Select(e => $"{Path.GetFileName(e.Source)}:{e.LineNumber}"));
        Assert.Equal(0L, await WarehouseDb.ScalarAsync(connection, "SELECT count(*) FROM staging_events"));
    }

    [Fact]
    public async Task Inside_a_transaction_a_stopped_COPY_rolls_back_with_everything_else()
    {
        using var folder = new ScratchFolder();
        var bad = folder.Write("bad.json", $"{GoodEvent}\n{{\"status\":true}}\n");
        var good = folder.Write("good.json", GoodEvent + "\n");
        await using var connection = await database.OpenAsync();
        var staging = new PostgresStaging();
        await staging.TruncateAsync(connection, CancellationToken.None);
        await staging.CopyEventsAsync(connection, LocalSources.List(good), null, new RejectLog(Guid.NewGuid(), 0), null, CancellationToken.None);

        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await staging.TruncateAsync(connection, CancellationToken.None);
            var songs = await staging.CopySongsAsync(connection, staging.Fingerprinted(LocalSources.List(TestEnvironment.SampleSongs)), new RejectLog(Guid.NewGuid(), 0), null, CancellationToken.None);
            Assert.Equal(71, songs.RecordsStaged);
            var events = await staging.CopyEventsAsync(connection, LocalSources.List(bad), null, new RejectLog(Guid.NewGuid(), 0), null, CancellationToken.None);
            Assert.True(events.StoppedAtErrorLimit);
            await transaction.RollbackAsync();
        }

        Assert.Equal(1L, await WarehouseDb.ScalarAsync(connection, "SELECT count(*) FROM staging_events"));
        Assert.Equal(0L, await WarehouseDb.ScalarAsync(connection, "SELECT count(*) FROM staging_songs"));
    }

    [Fact]
    public async Task Gzipped_files_stage_the_same_rows_as_plain_ones()
    {
        using var folder = new ScratchFolder();
        var plain = Path.Combine(TestEnvironment.SampleLogs, "2018", "11", "2018-11-05-events.json");
        await using (var gz = new GZipStream(File.Create(Path.Combine(folder.Path, "2018-11-05-events.json.gz")), CompressionLevel.Optimal))
        {
            await gz.WriteAsync(await File.ReadAllBytesAsync(plain));
        }

        await using var connection = await database.OpenAsync();
        var staging = new PostgresStaging();
        await staging.TruncateAsync(connection, CancellationToken.None);
        var zipped = await staging.CopyEventsAsync(connection, LocalSources.List(folder.Path), null, new RejectLog(Guid.NewGuid(), 0), null, CancellationToken.None);
        var fromGzip = await StagedRowsAsync(connection, StagingTestSupport.Events);
        await staging.TruncateAsync(connection, CancellationToken.None);
        var unzipped = await staging.CopyEventsAsync(connection, LocalSources.List(plain), null, new RejectLog(Guid.NewGuid(), 0), null, CancellationToken.None);

        Assert.Equal(unzipped.RecordsStaged, zipped.RecordsStaged);
        Assert.Equal(new FileInfo(plain).Length, zipped.BytesRead);
        Assert.True(zipped.RecordsStaged > 100);
        Assert.Equal(await StagedRowsAsync(connection, StagingTestSupport.Events), fromGzip);
    }

    [Fact]
    public async Task A_file_that_cannot_be_read_fails_with_a_clear_message_and_stages_nothing()
    {
        using var folder = new ScratchFolder();
        folder.Write("a.json", GoodEvent + "\n");
        var corrupt = folder.Write("b.json.gz", Encoding.ASCII.GetBytes("this is not gzip at all"));
        await using var connection = await database.OpenAsync();
        var staging = new PostgresStaging();
        await staging.TruncateAsync(connection, CancellationToken.None);

        var ex = await Assert.ThrowsAsync<WarehouseException>(() =>
            staging.CopyEventsAsync(connection, LocalSources.List(folder.Path), null, new RejectLog(Guid.NewGuid(), 0), null, CancellationToken.None));

        Assert.StartsWith($"Could not read '{corrupt}': ", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await WarehouseDb.ScalarAsync(connection, "SELECT count(*) FROM staging_events"));

        // A file listed and then deleted before it is read.
        var gone = folder.Write("c.json", GoodEvent + "\n");
        var files = LocalSources.List(gone);
        File.Delete(gone);
        ex = await Assert.ThrowsAsync<WarehouseException>(() =>
            staging.CopyEventsAsync(connection, files, null, new RejectLog(Guid.NewGuid(), 0), null, CancellationToken.None));
        Assert.StartsWith($"Could not read '{gone}': ", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await WarehouseDb.ScalarAsync(connection, "SELECT count(*) FROM staging_events"));
    }

    [Fact]
    public async Task Many_small_files_are_read_ahead_but_staged_and_rejected_in_order()
    {
        using var folder = new ScratchFolder();
        for (var i = 0; i < 60; i++)
        {
            var song = i == 37
                ? "{\"song_id\": \"S37\", \"year\": \"nineteen\"}"
                : $"{{\n  \"song_id\": \"S{i:00}\",\n  \"year\": {1950 + i},\n  \"duration\": {i}.25\n}}\n{{\"song_id\": \"T{i:00}\"}}";
            folder.Write($"song_data/{i / 10}/{i:00}.json", song);
        }

        await using var connection = await database.OpenAsync();
        var staging = new PostgresStaging();
        await staging.TruncateAsync(connection, CancellationToken.None);
        var rejects = new RejectLog(Guid.NewGuid(), maxErrors: 3);

        var result = await staging.CopySongsAsync(connection, staging.Fingerprinted(LocalSources.List(folder.Path)), rejects, null, CancellationToken.None);

        Assert.Equal((60L, 118L, 1L), (result.FilesRead, result.RecordsStaged, result.RecordsRejected));
        var reject = Assert.Single(rejects.Errors);
        Assert.Equal((Path.Combine(folder.Path, "song_data", "3", "37.json"), 1L, "year"), (reject.Source, reject.LineNumber, reject.ColumnName));
        Assert.Equal(59L, await WarehouseDb.ScalarAsync(connection, "SELECT count(*) FROM staging_songs WHERE song_id LIKE 'S%' AND year = 1950 + substr(song_id, 2)::int AND duration = substr(song_id, 2)::int + 0.25"));
        Assert.Equal(59L, await WarehouseDb.ScalarAsync(connection, "SELECT count(*) FROM staging_songs WHERE song_id LIKE 'T%' AND year IS NULL"));
    }

    [Fact]
    public async Task Values_round_trip_exactly_through_the_binary_format()
    {
        using var folder = new ScratchFolder();
        var title = string.Concat(Enumerable.Repeat("\U0001F3B5é", 170)) + "abcd"; // 4 + 2 bytes each: 1,020 + 4 = 1,024 bytes
        Assert.Equal(1024, Encoding.UTF8.GetByteCount(title));
        folder.Write("songs.json", JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["song_id"] = "S1", ["title"] = title, ["artist_name"] = "Ärzte \"die\" \\ tab\t", ["artist_latitude"] = -0.0,
            ["artist_longitude"] = 1.7976931348623157e308, ["duration"] = 5e-324, ["year"] = -2147483648, ["num_songs"] = 2147483647,
        }));
        await using var connection = await database.OpenAsync();
        var staging = new PostgresStaging();
        await staging.TruncateAsync(connection, CancellationToken.None);

        await staging.CopySongsAsync(connection, staging.Fingerprinted(LocalSources.List(folder.Path)), new RejectLog(Guid.NewGuid(), 0), null, CancellationToken.None);

        await using var command = new NpgsqlCommand("SELECT title, artist_name, artist_latitude, artist_longitude, duration, year, num_songs, artist_id FROM staging_songs", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(title, reader.GetString(0));
        Assert.Equal("Ärzte \"die\" \\ tab\t", reader.GetString(1));
        Assert.True(double.IsNegative(reader.GetDouble(2)) && reader.GetDouble(2) == 0);
        Assert.Equal(double.MaxValue, reader.GetDouble(3));
        Assert.Equal(double.Epsilon, reader.GetDouble(4));
        Assert.Equal(int.MinValue, reader.GetInt32(5));
        Assert.Equal(int.MaxValue, reader.GetInt32(6));
        Assert.True(reader.IsDBNull(7));
    }

    [Fact]
    public async Task A_cancelled_load_stages_nothing_and_leaves_the_connection_usable()
    {
        await using var connection = await database.OpenAsync();
        var staging = new PostgresStaging();
        await staging.TruncateAsync(connection, CancellationToken.None);
        using var cancellation = new CancellationTokenSource();
        var progressed = 0;
        var progress = new SyncProgress(_ =>
        {
            if (++progressed == 1)
            {
                cancellation.Cancel();
            }
        });

        // Progress comes at most four times a second: slow the files down so it comes mid-load.
        var files = LocalSources.List(TestEnvironment.SampleLogs).Select(f => (SourceFile)new SlowSourceFile(f, TimeSpan.FromMilliseconds(200))).ToList();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            staging.CopyEventsAsync(connection, files, null, new RejectLog(Guid.NewGuid(), 0), progress, cancellation.Token));

        Assert.Equal(1, progressed);
        Assert.Equal(0L, await WarehouseDb.ScalarAsync(connection, "SELECT count(*) FROM staging_events"));
    }

    [Fact]
    public async Task No_files_empty_files_and_blank_files_stage_nothing_without_rejects()
    {
        using var folder = new ScratchFolder();
        folder.Write("empty.json", "");
        folder.Write("blank.json", "\n  \r\n\t\n");
        folder.Write("bom.json", [0xEF, 0xBB, 0xBF]);
        await using var connection = await database.OpenAsync();
        var staging = new PostgresStaging();
        await staging.TruncateAsync(connection, CancellationToken.None);
        var rejects = new RejectLog(Guid.NewGuid(), 0);

        var none = await staging.CopyEventsAsync(connection, [], null, rejects, null, CancellationToken.None);
        var events = await staging.CopyEventsAsync(connection, LocalSources.List(folder.Path), null, rejects, null, CancellationToken.None);
        var songs = await staging.CopySongsAsync(connection, staging.Fingerprinted(LocalSources.List(folder.Path)), rejects, null, CancellationToken.None);

        Assert.Equal(new StagingCopyResult("staging_events", 0, 0, 0, 0, false), none);
        Assert.Equal(new StagingCopyResult("staging_events", 3, 0, 10, 0, false), events);
        Assert.Equal(new StagingCopyResult("staging_songs", 3, 0, 10, 0, false), songs);
        Assert.Empty(rejects.Errors);
        Assert.Equal(0L, await WarehouseDb.ScalarAsync(connection, "SELECT (SELECT count(*) FROM staging_songs) + (SELECT count(*) FROM staging_events)"));
    }

    [Fact]
    public async Task A_rejected_CRLF_line_keeps_its_text_without_the_line_ending()
    {
        using var folder = new ScratchFolder();
        folder.Write("crlf.json", $"{GoodEvent}\r\n{{\"ts\":\"abc\"}}  \r\n{GoodEvent}\r\n");
        await using var connection = await database.OpenAsync();
        var staging = new PostgresStaging();
        await staging.TruncateAsync(connection, CancellationToken.None);
        var rejects = new RejectLog(Guid.NewGuid(), 1);

        var result = await staging.CopyEventsAsync(connection, LocalSources.List(folder.Path), null, rejects, null, CancellationToken.None);

        Assert.Equal(2, result.RecordsStaged);
        var reject = Assert.Single(rejects.Errors);
        Assert.Equal((2L, "ts", "{\"ts\":\"abc\"}"), (reject.LineNumber, reject.ColumnName, reject.RawLine));
    }

    [Fact]
    public async Task TruncateAsync_empties_both_staging_tables()
    {
        await using var connection = await database.OpenAsync();
        var staging = new PostgresStaging();
        await staging.CopySongsAsync(connection, staging.Fingerprinted(LocalSources.List(TestEnvironment.SampleSongs)), new RejectLog(Guid.NewGuid(), 0), null, CancellationToken.None);
        await staging.CopyEventsAsync(connection, LocalSources.List(Path.Combine(TestEnvironment.SampleLogs, "2018", "11", "2018-11-01-events.json")), null, new RejectLog(Guid.NewGuid(), 0), null, CancellationToken.None);
        Assert.True(await WarehouseDb.ScalarAsync(connection, "SELECT (SELECT count(*) FROM staging_songs) + (SELECT count(*) FROM staging_events)") >= 71 + 15);

        await staging.TruncateAsync(connection, CancellationToken.None);

        Assert.Equal(0L, await WarehouseDb.ScalarAsync(connection, "SELECT (SELECT count(*) FROM staging_songs) + (SELECT count(*) FROM staging_events)"));
    }

    [Fact]
    public async Task A_COPY_that_outlasts_the_connections_command_timeout_completes()
    {
        // The connection's Command Timeout is 1 s; a statement trigger holds the end of the songs' COPY
        // for 2 s on the server, so the client waits that long for the COPY's completion.
        var connectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString) { CommandTimeout = 1 }.ConnectionString;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var setup = new NpgsqlCommand(
            """
            CREATE FUNCTION hold_copy_end() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(2); RETURN NULL; END $$;
            CREATE TRIGGER hold_copy_end AFTER INSERT ON staging_songs FOR EACH STATEMENT EXECUTE FUNCTION hold_copy_end();
            """, connection))
        {
            await setup.ExecuteNonQueryAsync();
        }

        var staging = new PostgresStaging();
        var songFiles = LocalSources.List(TestEnvironment.SampleSongs);
        var clock = Stopwatch.StartNew();
        var songs = await staging.CopySongsAsync(connection, staging.Fingerprinted(songFiles), new RejectLog(Guid.NewGuid(), 0), null, CancellationToken.None);

        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2), $"the COPY took {clock.Elapsed}: the trigger did not hold it");
        Assert.Equal(songFiles.Count, songs.RecordsStaged);
        Assert.Equal((long)songFiles.Count, await WarehouseDb.ScalarAsync(connection, "SELECT count(*) FROM staging_songs"));

        // The trigger and its function go with the rolled-back transaction.
        await transaction.RollbackAsync();
    }

    private static async Task<List<string>> ListAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    /// <summary>Every staged row as one comparable line, sorted.</summary>
    private static async Task<List<string>> StagedRowsAsync(NpgsqlConnection connection, StagingTable table)
    {
        await using var command = new NpgsqlCommand($"SELECT {string.Join(", ", table.Columns.Select(c => c.Name))} FROM {table.Name}", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(string.Join("|", Enumerable.Range(0, table.Columns.Count).Select(i => reader.IsDBNull(i) ? "NULL" : Format(reader.GetValue(i)))));
        }

        rows.Sort(StringComparer.Ordinal);
        return rows;
    }

    /// <summary>
    /// What COPY should stage for <paramref name="record"/>, worked out with the System.Text.Json DOM
    /// instead of the loader's reader: missing or null is NULL, strings stay strings in varchar columns,
    /// numbers (or numeric strings, "" being NULL) go to numeric columns.
    /// </summary>
    private static string ExpectedRow(JsonElement record, StagingTable table, string[] keys)
        => string.Join("|", table.Columns.Select((column, i) =>
        {
            if (!record.TryGetProperty(keys[i], out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return "NULL";
            }

            if (column.Type == StagingColumnType.Text)
            {
                // Trailing blanks are insignificant and not staged (the sample has titles that end in one).
                return (value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText()).TrimEnd(' ');
            }

            var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
            if (text.Length == 0)
            {
                return "NULL";
            }

            return column.Type switch
            {
                StagingColumnType.Int32 => Format(int.Parse(text, CultureInfo.InvariantCulture)),
                StagingColumnType.Int64 => Format(long.Parse(text, CultureInfo.InvariantCulture)),
                _ => Format(double.Parse(text, CultureInfo.InvariantCulture)),
            };
        }));

    private static string Format(object value) => value switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };

    /// <summary>Reports synchronously (<see cref="Progress{T}"/> would post to the thread pool).</summary>
    private sealed class SyncProgress(Action<StagingProgress> report) : IProgress<StagingProgress>
    {
        public void Report(StagingProgress value) => report(value);
    }

    /// <summary>A local file that takes a while to open, like an S3 object.</summary>
    private sealed class SlowSourceFile(SourceFile inner, TimeSpan delay) : SourceFile
    {
        public override string Name => inner.Name;

        public override long? Length => inner.Length;

        protected override async Task<Stream> OpenRawAsync(CancellationToken cancellationToken)
        {
            await Task.Delay(delay, cancellationToken);
            return await inner.OpenReadAsync(cancellationToken);
        }
    }
}
