using System.Security.Cryptography;
using System.Text.Json;
using Npgsql;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Loading.Ledger;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Cli;

/// <summary>
/// <c>sparkify files</c> and <see cref="WarehouseFiles.ListAsync"/> on a real PostgreSQL whose ledger
/// the test fills by INSERT, over a local folder of real event logs and song files in s3rver. Expected
/// statuses follow from how the test set up each file, sizes and ETags from the files' own bytes.
/// </summary>
public sealed class FilesCommandTests(MigratedDatabaseFixture database, S3rverFixture s3) : IClassFixture<MigratedDatabaseFixture>, IClassFixture<S3rverFixture>, IAsyncLifetime
{
    // The public bucket's name: the warehouse reads it anonymously, as s3rver needs.
    private const string Bucket = S3Settings.PublicSparkifyBucket;
    private static readonly string[] Days = ["2018-11-01", "2018-11-02", "2018-11-03"];
    private static readonly string[] SongKeys = ["song_data/A/A/A/TRAAAAW128F429D538.json", "song_data/A/A/B/TRAABCL128F4286650.json"];

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("sparkify-files-");
    private string _logs = "";

    public async Task InitializeAsync()
    {
        // Events: three real days in the Sparkify layout, and a sibling folder whose name extends this one's.
        _logs = Path.Combine(_root.FullName, "log");
        foreach (var folder in new[] { _logs, _logs + "2" })
        {
            Directory.CreateDirectory(Path.Combine(folder, "2018", "11"));
            foreach (var day in Days)
            {
                File.Copy(Path.Combine(TestEnvironment.SampleLogs, "2018", "11", $"{day}-events.json"), LogPath(folder, day));
            }
        }

        foreach (var key in SongKeys)
        {
            await s3.PutObjectAsync(Bucket, key, await File.ReadAllBytesAsync(Path.Combine(TestEnvironment.SampleData, key)));
        }

        var runId = Guid.NewGuid();
        // Day 1 as it is now (unchanged); day 2 with another size (changed); day 3 not at all (new); a file
        // that is gone (not listed); the sibling folder's day 1 (not under the source, never shown).
        await InsertAsync(LogPath(_logs, Days[0]), new FileInfo(LogPath(_logs, Days[0])).Length, null, File.GetLastWriteTimeUtc(LogPath(_logs, Days[0])), runId);
        await InsertAsync(LogPath(_logs, Days[1]), new FileInfo(LogPath(_logs, Days[1])).Length - 1, null, File.GetLastWriteTimeUtc(LogPath(_logs, Days[1])), runId);
        await InsertAsync(LogPath(_logs, "2018-10-31"), 123, null, new DateTime(2018, 11, 1, 0, 0, 0, DateTimeKind.Utc), runId);
        await InsertAsync(LogPath(_logs + "2", Days[0]), new FileInfo(LogPath(_logs + "2", Days[0])).Length, null, File.GetLastWriteTimeUtc(LogPath(_logs + "2", Days[0])), runId);

        // Songs: the first object as listed (size, and the ETag S3 gives a single-part upload: the quoted
        // MD5 of its bytes) with no count of its own, as a Redshift COPY of several files leaves it; the
        // second not in the ledger.
        var first = await File.ReadAllBytesAsync(Path.Combine(TestEnvironment.SampleData, SongKeys[0]));
        await InsertAsync($"s3://{Bucket}/{SongKeys[0]}", first.Length, $"\"{Convert.ToHexStringLower(MD5.HashData(first))}\"", null, runId, staged: null);
    }

    public Task DisposeAsync()
    {
        _root.Delete(recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task The_library_lists_new_changed_unchanged_and_gone_files_and_what_the_next_load_reads()
    {
        var files = await WarehouseFiles.ListAsync(Options(), Request());

        Assert.Equal(
            [
                (WarehouseFileSource.Songs, $"s3://{Bucket}/{SongKeys[0]}", LedgerFileStatus.Unchanged, false),
                (WarehouseFileSource.Songs, $"s3://{Bucket}/{SongKeys[1]}", LedgerFileStatus.New, true),
                (WarehouseFileSource.Events, LogPath(_logs, Days[0]), LedgerFileStatus.Unchanged, false),
                (WarehouseFileSource.Events, LogPath(_logs, Days[1]), LedgerFileStatus.Changed, true),
                (WarehouseFileSource.Events, LogPath(_logs, Days[2]), LedgerFileStatus.New, true),
                (WarehouseFileSource.Events, LogPath(_logs, "2018-10-31"), LedgerFileStatus.NotListed, false),
            ],
            files.Select(f => (f.Source, f.Uri, f.Status, f.WillLoad)));
        Assert.Equal(new FileInfo(LogPath(_logs, Days[2])).Length, files[4].SizeBytes);
        Assert.Null(files[4].Loaded);
        Assert.Equal(new FileInfo(LogPath(_logs, Days[1])).Length - 1, files[3].Loaded!.SizeBytes);
        Assert.Equal(7, files[3].Loaded!.RecordsStaged);
        Assert.Null(files[0].Loaded!.RecordsStaged);

        var reload = await WarehouseFiles.ListAsync(Options(), Request() with { Reload = true });
        Assert.Equal([true, true, true, true, true, false], reload.Select(f => f.WillLoad));

        // A backfill of day 1 re-reads that day although it is unchanged, and no other event file.
        var backfill = await WarehouseFiles.ListAsync(Options(), Request() with { Since = new DateOnly(2018, 11, 1), Until = new DateOnly(2018, 11, 1) });
        Assert.Equal([false, true, true, false, false, false], backfill.Select(f => f.WillLoad));

        var eventsOnly = await WarehouseFiles.ListAsync(Options(), Request() with { SongsSource = "" });
        Assert.All(eventsOnly, f => Assert.Equal(WarehouseFileSource.Events, f.Source));
    }

    [Fact]
    public async Task Sparkify_files_prints_json_with_one_object_per_file_and_a_table_with_the_totals()
    {
        var json = await CliRunner.RunAsync(Arguments("--format", "json"));
        Assert.True(json.ExitCode == 0, json.ToString());
        using var document = JsonDocument.Parse(json.Out);
        var rows = document.RootElement.EnumerateArray().ToList();
        Assert.Equal(
            ["unchanged", "new", "unchanged", "changed", "new", "not_listed"],
            rows.Select(r => r.GetProperty("status").GetString()));
        Assert.Equal(
            [$"s3://{Bucket}/{SongKeys[0]}", $"s3://{Bucket}/{SongKeys[1]}", LogPath(_logs, Days[0]), LogPath(_logs, Days[1]), LogPath(_logs, Days[2]), LogPath(_logs, "2018-10-31")],
            rows.Select(r => r.GetProperty("uri").GetString()));
        Assert.Equal([false, true, false, true, true, false], rows.Select(r => r.GetProperty("will_load").GetBoolean()));
        Assert.Equal(new FileInfo(Path.Combine(TestEnvironment.SampleData, SongKeys[1])).Length, rows[1].GetProperty("size_bytes").GetInt64());
        Assert.Equal(JsonValueKind.Null, rows[1].GetProperty("run_id").ValueKind);
        Assert.Equal(JsonValueKind.Null, rows[5].GetProperty("size_bytes").ValueKind);
        Assert.Equal("2018-11-02T03:04:05.000Z", rows[0].GetProperty("loaded_at").GetString());
        Assert.Equal((JsonValueKind.Null, 7L), (rows[0].GetProperty("records_staged").ValueKind, rows[2].GetProperty("records_staged").GetInt64()));
        Assert.Equal(["source", "uri", "status", "will_load", "size_bytes", "loaded_at", "run_id", "records_staged", "records_rejected"], rows[0].EnumerateObject().Select(p => p.Name));

        var table = await CliRunner.RunAsync(Arguments("--until", "2018-11-02"));
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("The next load reads 3 of 5 listed files: 2 new, 1 changed, 2 unchanged; 1 ledger file(s) no longer listed.", table.Out, StringComparison.Ordinal);
        Assert.Contains("not listed", table.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--since", "2018-11-31" }, "--since is '2018-11-31'; it must be a date YYYY-MM-DD")]
    [InlineData(new[] { "--since", "2018-11-03", "--until", "2018-11-02" }, "--since 2018-11-03 is after --until 2018-11-02")]
    [InlineData(new[] { "--format", "csv" }, "Unknown format 'csv'. Accepted: table, json.")]
    public async Task Bad_options_exit_with_code_2_and_one_clear_line(string[] extra, string message)
    {
        var result = await CliRunner.RunAsync(Arguments(extra));
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(message, result.Error + result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_warehouse_without_the_ledger_says_to_migrate()
    {
        var empty = await TestPostgres.CreateDatabaseAsync("noledger");
        try
        {
            var result = await CliRunner.RunAsync("files", "--events", _logs, "--connection", empty);
            Assert.True(result.ExitCode == 1, result.ToString());
            Assert.Equal("error: The warehouse has no load_files table (the ledger of loaded files): run sparkify migrate first.", result.Error.Trim());
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(empty);
        }
    }

    private static string LogPath(string folder, string day) => Path.Combine(folder, "2018", "11", $"{day}-events.json");

    private WarehouseOptions Options() => new() { ConnectionString = database.ConnectionString, S3 = s3.Settings() };

    private LoadRequest Request() => new() { SongsSource = $"s3://{Bucket}/song_data/A/A/", EventsSource = _logs };

    private string[] Arguments(params string[] extra)
        => ["files", "--songs", $"s3://{Bucket}/song_data/A/A/", "--events", _logs, "--connection", database.ConnectionString, "--s3-endpoint", s3.ServiceUrl, .. extra];

    private async Task InsertAsync(string uri, long size, string? etag, DateTime? modifiedAt, Guid runId, long? staged = 7)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "INSERT INTO load_files (uri, size_bytes, etag, modified_at, run_id, records_staged, records_rejected, loaded_at) "
            + "VALUES (@uri, @size, @etag, @modified, @run, @staged, 0, TIMESTAMP '2018-11-02 03:04:05') "
            + "ON CONFLICT (uri) DO UPDATE SET size_bytes = EXCLUDED.size_bytes, etag = EXCLUDED.etag, modified_at = EXCLUDED.modified_at, records_staged = EXCLUDED.records_staged",
            connection);
        command.Parameters.AddWithValue("uri", uri);
        command.Parameters.AddWithValue("size", size);
        command.Parameters.AddWithValue("etag", (object?)etag ?? DBNull.Value);
        command.Parameters.Add(new NpgsqlParameter("modified", NpgsqlTypes.NpgsqlDbType.Timestamp) { Value = modifiedAt is { } utc ? DateTime.SpecifyKind(utc, DateTimeKind.Unspecified) : DBNull.Value });
        command.Parameters.AddWithValue("run", runId.ToString("D"));
        command.Parameters.Add(new NpgsqlParameter("staged", NpgsqlTypes.NpgsqlDbType.Bigint) { Value = (object?)staged ?? DBNull.Value });
        await command.ExecuteNonQueryAsync();
    }
}
