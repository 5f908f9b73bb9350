using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Npgsql.EntityFrameworkCore.PostgreSQL.Storage.Internal;
using Sparkify.Warehouse.CompiledModel;
using Sparkify.Warehouse.Configuration;
using Sparkify.Warehouse.Loading.Json;
using Sparkify.Warehouse.Loading.Sources;
using Sparkify.Warehouse.Loading.Staging;

namespace Sparkify.Warehouse.Loading.PostgreSql;

/// <summary>
/// The PostgreSQL staging step of a load: empty <c>staging_events</c> and <c>staging_songs</c>, then fill
/// them from JSON files as Redshift's COPY would (songs with <c>FORMAT AS JSON 'auto'</c>, events through
/// a JSONPaths file), streaming binary COPY on the caller's connection and transaction.
/// </summary>
/// <remarks>
/// A typical load, in one transaction: <see cref="TruncateEventsAsync"/>, <see cref="CopyEventsAsync"/>
/// while the song files are listed and <see cref="Fingerprinted"/> alongside, then <see cref="CopySongsAsync"/> (which keeps unchanged
/// staged songs), each COPY with its own <see cref="RejectLog"/>; fail the load (roll back) when
/// <see cref="RejectLog.Concat"/> of the two is over its limit, otherwise transform. The rejects are
/// meant for <c>load_errors</c>, written outside the rolled-back transaction when the load fails.
/// </remarks>
internal sealed class PostgresStaging
{
    // The helper a PostgreSQL context quotes identifiers with, made without one: it holds no state.
#pragma warning disable EF1001 // Npgsql's helper takes EF Core's pubternal dependencies object; the versions are pinned exactly.
    private static readonly ISqlGenerationHelper Sql = new NpgsqlSqlGenerationHelper(new RelationalSqlGenerationHelperDependencies());
#pragma warning restore EF1001

    /// <summary>
    /// Reads the staging tables' layout from the compiled model, the one every PostgreSQL
    /// <see cref="WarehouseDbContext"/> uses. No context is built: EF Core's services cost a fresh
    /// process more than the whole of a small load's client work, and a load uses nothing else of them.
    /// </summary>
    public PostgresStaging()
    {
        Events = StagingTable.Events(WarehouseDbContextModel.Instance);
        Songs = StagingTable.Songs(WarehouseDbContextModel.Instance);
    }

    public StagingTable Events { get; }

    public StagingTable Songs { get; }

    /// <summary>Empties both staging tables and forgets what they held; transactional on PostgreSQL.</summary>
    public Task TruncateAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return ExecuteAsync(
            connection,
            $"TRUNCATE TABLE {Sql.DelimitIdentifier(Events.Name)}, {Sql.DelimitIdentifier(Songs.Name)}; DELETE FROM {StagingManifestConfiguration.TableName}",
            cancellationToken);
    }

    /// <summary>
    /// Starts a load's staging (staging holds exactly the current load's records): empties
    /// <c>staging_events</c>; <c>staging_songs</c> is emptied by <see cref="CopySongsAsync"/>, which may
    /// find it already holds exactly the songs of this load.
    /// </summary>
    public Task TruncateEventsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return ExecuteAsync(connection, TruncateEventsSql, cancellationToken);
    }

    /// <summary>Empties <c>staging_events</c>.</summary>
    public string TruncateEventsSql => $"TRUNCATE TABLE {Sql.DelimitIdentifier(Events.Name)}";

    /// <summary>Empties <c>staging_songs</c>.</summary>
    public string TruncateSongsSql => $"TRUNCATE TABLE {Sql.DelimitIdentifier(Songs.Name)}";

    /// <summary>Forgets the manifest of the staged songs (sent with <see cref="TruncateSongsSql"/> when the files have a fingerprint).</summary>
    public string ForgetSongsManifestSql => $"DELETE FROM {StagingManifestConfiguration.TableName} WHERE table_name = '{Songs.Name}'";

    /// <summary>Whether this session may read and replace manifests (a least-privilege loader may not).</summary>
    public static string MayUseManifestsSql
    {
        get
        {
            const string Table = StagingManifestConfiguration.TableName;
            return $"SELECT has_table_privilege('{Table}', 'SELECT') AND has_table_privilege('{Table}', 'INSERT') AND has_table_privilege('{Table}', 'DELETE')";
        }
    }

    /// <summary>The staged songs' row count when their manifest matches the fingerprint (<see cref="ManifestParameters"/>) and the table; no row otherwise.</summary>
    public string SongsRowsIfUnchangedSql
    {
        get
        {
            var table = Sql.DelimitIdentifier(Songs.Name);
            return $"SELECT m.row_count FROM {StagingManifestConfiguration.TableName} AS m WHERE m.table_name = @table AND m.fingerprint = @fingerprint "
                + $"AND m.storage = pg_relation_filenode('{table}') AND m.row_count = (SELECT COUNT(*) FROM {table})";
        }
    }

    /// <summary>Records the manifest of freshly staged songs (<see cref="ManifestParameters"/> with the row count).</summary>
    public string RememberSongsManifestSql
        => $"INSERT INTO {StagingManifestConfiguration.TableName} (table_name, fingerprint, file_count, row_count, storage) VALUES (@table, @fingerprint, @files, @rows, pg_relation_filenode('{Sql.DelimitIdentifier(Songs.Name)}'))";

    /// <summary>The parameters of the manifest statements; <paramref name="rows"/> only for <see cref="RememberSongsManifestSql"/>.</summary>
    public NpgsqlParameter[] ManifestParameters(SongFiles songs, long? rows = null)
    {
        ArgumentNullException.ThrowIfNull(songs);
        NpgsqlParameter[] match = [new("table", Songs.Name), new("fingerprint", songs.Fingerprint)];
        return rows is { } count ? [.. match, new("files", (long)songs.Files.Count), new("rows", count)] : match;
    }

    /// <summary>
    /// Stages song files (concatenated JSON objects, keys mapped to columns by name) — unless
    /// <c>staging_songs</c> already holds exactly what they would stage, as it does when the last
    /// successful load read the same files. The load runs the same statements as steps of its plan.
    /// </summary>
    /// <remarks>
    /// Song data is the same catalog load after load, and thousands of small files: re-reading it would
    /// make a one-day load cost as much as the catalog, not the day. The staged songs are kept when the
    /// fingerprint in <c>staging_manifests</c> (loader version, columns, and every file's name, size and
    /// version: last write time or ETag) matches this load's files and the table still has the storage
    /// and row count recorded with it (anything that truncated it since gave it new storage, and
    /// PostgreSQL empties unlogged tables after a crash). The manifest is
    /// written in the load's transaction, so a failed load leaves the previous one in place, and only
    /// after a COPY without rejects, so a kept table never hides rejects of its own.
    /// A loader role granted only the staging tables stages as before. A manifest left by another
    /// role can never match: the TRUNCATE gives the table new storage.
    /// </remarks>
    public async Task<StagingCopyResult> CopySongsAsync(
        NpgsqlConnection connection,
        SongFiles songs,
        RejectLog rejects,
        IProgress<StagingProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(songs);
        var executor = new Pipeline.NpgsqlLoadExecutor(connection, owned: false);
        if (songs.Fingerprint is not null && await executor.ScalarAsync(MayUseManifestsSql, [], cancellationToken).ConfigureAwait(false) is not true)
        {
            songs = songs with { Fingerprint = null };
        }

        if (songs.Fingerprint is not null && await executor.ScalarAsync(SongsRowsIfUnchangedSql, ManifestParameters(songs), cancellationToken).ConfigureAwait(false) is long kept)
        {
            progress?.Report(new StagingProgress(songs.Files.Count, songs.Files.Count, kept, 0));
            return new StagingCopyResult(Songs.Name, songs.Files.Count, kept, BytesRead: 0, RecordsRejected: 0, StoppedAtErrorLimit: false) { Unchanged = true };
        }

        await executor.ExecuteAsync(TruncateSongsSql, [], cancellationToken).ConfigureAwait(false);
        if (songs.Fingerprint is not null)
        {
            await executor.ExecuteAsync(ForgetSongsManifestSql, [], cancellationToken).ConfigureAwait(false);
        }

        var result = await SongsCopy().CopyAsync(connection, songs.Files, rejects, progress, cancellationToken).ConfigureAwait(false);
        if (songs.Fingerprint is not null && result is { StoppedAtErrorLimit: false, RecordsRejected: 0 })
        {
            await executor.ExecuteAsync(RememberSongsManifestSql, ManifestParameters(songs, result.RecordsStaged), cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>Already listed song files, fingerprinted for <see cref="CopySongsAsync"/>.</summary>
    public SongFiles Fingerprinted(IReadOnlyList<SourceFile> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        return new SongFiles(files, Fingerprint(SongsCopy().CopySql, files));
    }

    /// <summary>The song files' COPY: concatenated JSON objects, keys mapped to columns by name.</summary>
    public PostgresStagingCopy SongsCopy() => new(RecordMapping.Auto(Songs), RecordFraming.JsonDocuments, Sql);

    /// <summary>The event logs' COPY: JSON Lines mapped through <paramref name="jsonPaths"/> (null: the contract's default).</summary>
    public PostgresStagingCopy EventsCopy(IReadOnlyList<JsonPath>? jsonPaths)
        => new(RecordMapping.JsonPaths(Events, jsonPaths ?? JsonPathsFile.DefaultEventPaths), RecordFraming.JsonLines, Sql);

    /// <summary>Stages event logs: JSON Lines, values mapped to columns by position through <paramref name="jsonPaths"/>.</summary>
    /// <param name="connection">An open connection; the COPY joins its current transaction.</param>
    /// <param name="files">The log files, in load order.</param>
    /// <param name="jsonPaths">From <see cref="JsonPathsFile.ReadAsync"/>; null for the contract's default mapping.</param>
    /// <param name="rejects">The load's reject log, shared with the song COPY.</param>
    /// <param name="progress">Receives progress about four times a second, and once at the end.</param>
    /// <param name="cancellationToken">Cancels the COPY (nothing is staged).</param>
    /// <exception cref="WarehouseException">The paths do not fit the table, a file cannot be read, or PostgreSQL refuses the COPY.</exception>
    public Task<StagingCopyResult> CopyEventsAsync(
        NpgsqlConnection connection,
        IReadOnlyList<SourceFile> files,
        IReadOnlyList<JsonPath>? jsonPaths,
        RejectLog rejects,
        IProgress<StagingProgress>? progress,
        CancellationToken cancellationToken)
        => EventsCopy(jsonPaths).CopyAsync(connection, files, rejects, progress, cancellationToken);

    /// <summary>
    /// SHA-256 over what determines the staged rows: this loader's version (its parsing rules), the
    /// COPY's column list and every file's name, size and version. Null when a file has no version.
    /// </summary>
    internal static string? Fingerprint(string copySql, IReadOnlyList<SourceFile> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // One buffer for the bytes of every value rather than an array per value: fingerprinting
        // runs beside the events COPY and should add as little as it can to that COPY's heap.
        var buffer = ArrayPool<byte>.Shared.Rent(1024);
        void Add(string value)
        {
            var size = Encoding.UTF8.GetMaxByteCount(value.Length) + 1;
            if (size > buffer.Length)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = ArrayPool<byte>.Shared.Rent(size);
            }

            var written = Encoding.UTF8.GetBytes(value, buffer);
            buffer[written] = (byte)'\n';
            hash.AppendData(buffer, 0, written + 1);
        }

        try
        {
            Add(typeof(PostgresStaging).Assembly.ManifestModule.ModuleVersionId.ToString());
            Add(copySql);
            foreach (var file in files)
            {
                if (file.Version is not { } version)
                {
                    return null;
                }

                Add(file.Name);
                Add(file.Length?.ToString(CultureInfo.InvariantCulture) ?? "");
                Add(version);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await using (command.ConfigureAwait(false))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>A load's song files and their fingerprint (null: they cannot be recognised as unchanged).</summary>
internal sealed record SongFiles(IReadOnlyList<SourceFile> Files, string? Fingerprint);
