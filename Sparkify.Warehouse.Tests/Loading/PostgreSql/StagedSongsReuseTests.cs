using Npgsql;
using Sparkify.Warehouse.Loading.PostgreSql;
using Sparkify.Warehouse.Loading.Sources;
using Sparkify.Warehouse.Loading.Staging;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Loading.PostgreSql;

/// <summary>
/// A load whose song files are exactly the last successful load's keeps the staged songs instead of
/// reading the files again; anything that could make the kept rows differ from a fresh COPY re-stages.
/// </summary>
public sealed class StagedSongsReuseTests(MigratedDatabaseFixture database) : IClassFixture<MigratedDatabaseFixture>
{
    [Fact]
    public async Task Unchanged_song_files_keep_the_staged_rows_and_read_no_file()
    {
        using var songs = CopyOfSampleSongs();
        await using var connection = await database.OpenAsync();
        var staging = new PostgresStaging();
        await staging.TruncateAsync(connection, CancellationToken.None);

        var first = await CopySongsAsync(staging, connection, songs.Path);
        var rowsBefore = await PhysicalRowsAsync(connection);
        await staging.TruncateEventsAsync(connection, CancellationToken.None);
        var second = await CopySongsAsync(staging, connection, songs.Path);

        Assert.True(first.BytesRead > 0);
        Assert.Equal((71L, 71L), (first.FilesRead, first.RecordsStaged));
        Assert.Equal((71L, 71L, 0L), (second.FilesRead, second.RecordsStaged, second.BytesRead));
        Assert.Equal(rowsBefore, await PhysicalRowsAsync(connection)); // the very same tuples, not rewritten
    }

    [Fact]
    public async Task A_changed_song_file_is_staged_again()
    {
        using var songs = CopyOfSampleSongs();
        await using var connection = await database.OpenAsync();
        var staging = new PostgresStaging();
        await staging.TruncateAsync(connection, CancellationToken.None);
        await CopySongsAsync(staging, connection, songs.Path);

        var file = Directory.EnumerateFiles(songs.Path, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        var text = await File.ReadAllTextAsync(file);
        var title = System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("title").GetString()!;
        await File.WriteAllTextAsync(file, text.Replace(title, "Changed Title", StringComparison.Ordinal));
        var again = await CopySongsAsync(staging, connection, songs.Path);

        Assert.True(again.BytesRead > 0);
        Assert.Equal(1L, await WarehouseDb.ScalarAsync(connection, "SELECT COUNT(*) FROM staging_songs WHERE title = 'Changed Title'"));
    }

    [Fact]
    public async Task Staged_songs_that_went_missing_are_staged_again()
    {
        using var songs = CopyOfSampleSongs();
        await using var connection = await database.OpenAsync();
        var staging = new PostgresStaging();
        await staging.TruncateAsync(connection, CancellationToken.None);
        await CopySongsAsync(staging, connection, songs.Path);

        // What crash recovery does to an unlogged table; the manifest survives it.
        await ExecuteAsync(connection, "TRUNCATE staging_songs");
        var again = await CopySongsAsync(staging, connection, songs.Path);

        Assert.True(again.BytesRead > 0);
        Assert.Equal(71L, await WarehouseDb.ScalarAsync(connection, "SELECT COUNT(*) FROM staging_songs"));
    }

    [Fact]
    public async Task Songs_truncated_and_restaged_by_anyone_else_are_staged_again_even_with_the_same_count()
    {
        using var songs = CopyOfSampleSongs();
        await using var connection = await database.OpenAsync();
        var staging = new PostgresStaging();
        await staging.TruncateAsync(connection, CancellationToken.None);
        await CopySongsAsync(staging, connection, songs.Path);

        // Same number of rows, but not the ones this load's COPY would stage.
        await ExecuteAsync(connection, "CREATE TEMP TABLE other_songs AS SELECT * FROM staging_songs");
        await ExecuteAsync(connection, "TRUNCATE staging_songs");
        await ExecuteAsync(connection, "INSERT INTO staging_songs SELECT * FROM other_songs");
        await ExecuteAsync(connection, "UPDATE staging_songs SET title = 'Not From The Files'");
        var again = await CopySongsAsync(staging, connection, songs.Path);

        Assert.True(again.BytesRead > 0);
        Assert.Equal(0L, await WarehouseDb.ScalarAsync(connection, "SELECT COUNT(*) FROM staging_songs WHERE title = 'Not From The Files'"));
    }

    [Fact]
    public async Task A_rolled_back_load_leaves_the_previous_staged_songs_and_their_manifest()
    {
        using var songs = CopyOfSampleSongs();
        using var other = new ScratchFolder();
        File.Copy(Directory.EnumerateFiles(songs.Path, "*.json", SearchOption.AllDirectories).First(), Path.Combine(other.Path, "one.json"));
        await using var connection = await database.OpenAsync();
        var staging = new PostgresStaging();
        await staging.TruncateAsync(connection, CancellationToken.None);
        await CopySongsAsync(staging, connection, songs.Path);

        await using (var transaction = await connection.BeginTransactionAsync())
        {
            Assert.Equal(1L, (await CopySongsAsync(staging, connection, other.Path)).RecordsStaged);
            await transaction.RollbackAsync();
        }

        var kept = await CopySongsAsync(staging, connection, songs.Path);
        Assert.Equal((71L, 0L), (kept.RecordsStaged, kept.BytesRead));
    }

    [Fact]
    public async Task Songs_staged_with_rejects_are_never_kept()
    {
        using var songs = CopyOfSampleSongs();
        File.WriteAllText(Path.Combine(songs.Path, "bad.json"), """{"song_id": "SOBAD", "year": "not a year"}""");
        await using var connection = await database.OpenAsync();
        var staging = new PostgresStaging();
        await staging.TruncateAsync(connection, CancellationToken.None);

        var first = await staging.CopySongsAsync(connection, staging.Fingerprinted(LocalSources.List(songs.Path)), new RejectLog(Guid.NewGuid(), 1), null, CancellationToken.None);
        var second = await staging.CopySongsAsync(connection, staging.Fingerprinted(LocalSources.List(songs.Path)), new RejectLog(Guid.NewGuid(), 1), null, CancellationToken.None);

        Assert.Equal(1L, first.RecordsRejected);
        Assert.Equal(1L, second.RecordsRejected); // read and reported again, not hidden behind kept rows
        Assert.True(second.BytesRead > 0);
    }

    private static ScratchFolder CopyOfSampleSongs()
    {
        var folder = new ScratchFolder();
        foreach (var file in Directory.EnumerateFiles(TestEnvironment.SampleSongs, "*.json", SearchOption.AllDirectories))
        {
            var target = Path.Combine(folder.Path, Path.GetRelativePath(TestEnvironment.SampleSongs, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return folder;
    }

    private static Task<StagingCopyResult> CopySongsAsync(PostgresStaging staging, NpgsqlConnection connection, string folder)
        => staging.CopySongsAsync(connection, staging.Fingerprinted(LocalSources.List(folder)), new RejectLog(Guid.NewGuid(), 0), null, CancellationToken.None);

    private static async Task<string> PhysicalRowsAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT string_agg(ctid::text || ':' || xmin::text, ',' ORDER BY ctid) FROM staging_songs", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
