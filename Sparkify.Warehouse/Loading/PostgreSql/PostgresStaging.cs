using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
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
/// while <see cref="ListSongsAsync"/> runs alongside, then <see cref="CopySongsAsync"/> (which keeps unchanged
/// staged songs), each COPY with its own <see cref="RejectLog"/>; fail the load (roll back) when
/// <see cref="RejectLog.Concat"/> of the two is over its limit, otherwise transform. The rejects are
/// meant for <c>load_errors</c>, written outside the rolled-back transaction when the load fails.
/// </remarks>
internal sealed class PostgresStaging
{
    private readonly ISqlGenerationHelper _sql;

    /// <summary>Reads the staging tables' layout from <paramref name="context"/>'s model.</summary>
    public PostgresStaging(DbContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Events = StagingTable.Events(context);
        Songs = StagingTable.Songs(context);
        _sql = context.GetService<ISqlGenerationHelper>();
    }

    public StagingTable Events { get; }

    public StagingTable Songs { get; }

    /// <summary>Empties both staging tables and forgets what they held; transactional on PostgreSQL.</summary>
    public Task TruncateAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return ExecuteAsync(
            connection,
            $"TRUNCATE TABLE {_sql.DelimitIdentifier(Events.Name)}, {_sql.DelimitIdentifier(Songs.Name)}; DELETE FROM {StagingManifestConfiguration.TableName}",
            cancellationToken);
    }

    /// <summary>
    /// Starts a load's staging (SPEC §3: staging holds exactly the current load): empties
    /// <c>staging_events</c>; <c>staging_songs</c> is emptied by <see cref="CopySongsAsync"/>, which may
    /// find it already holds exactly the songs of this load.
    /// </summary>
    public Task TruncateEventsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return ExecuteAsync(connection, $"TRUNCATE TABLE {_sql.DelimitIdentifier(Events.Name)}", cancellationToken);
    }

    /// <summary>
    /// Stages song files (concatenated JSON objects, keys mapped to columns by name) — unless
    /// <c>staging_songs</c> already holds exactly what they would stage, as it does when the last
    /// successful load read the same files.
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
        var copy = SongsCopy();
        var table = _sql.DelimitIdentifier(Songs.Name);
        var (files, fingerprint) = (songs.Files, songs.Fingerprint);
        if (fingerprint is not null && !await MayUseManifestsAsync(connection, cancellationToken).ConfigureAwait(false))
        {
            // A loader role granted only the staging tables stages as before. A manifest left by
            // another role can never match: the TRUNCATE below gives the table new storage.
            fingerprint = null;
        }

        if (fingerprint is not null && await StagedRowsIfUnchangedAsync(connection, Songs.Name, table, fingerprint, cancellationToken).ConfigureAwait(false) is { } kept)
        {
            progress?.Report(new StagingProgress(files.Count, files.Count, kept, 0));
            return new StagingCopyResult(Songs.Name, files.Count, kept, BytesRead: 0, RecordsRejected: 0, StoppedAtErrorLimit: false) { Unchanged = true };
        }

        var forget = fingerprint is null ? "" : $"; DELETE FROM {StagingManifestConfiguration.TableName} WHERE table_name = '{Songs.Name}'";
        await ExecuteAsync(connection, $"TRUNCATE TABLE {table}{forget}", cancellationToken).ConfigureAwait(false);
        var result = await copy.CopyAsync(connection, files, rejects, progress, cancellationToken).ConfigureAwait(false);
        if (fingerprint is not null && result is { StoppedAtErrorLimit: false, RecordsRejected: 0 })
        {
            var command = new NpgsqlCommand($"INSERT INTO {StagingManifestConfiguration.TableName} (table_name, fingerprint, file_count, row_count, storage) VALUES (@table, @fingerprint, @files, @rows, pg_relation_filenode('{table}'))", connection);
            await using (command.ConfigureAwait(false))
            {
                command.Parameters.AddWithValue("table", Songs.Name);
                command.Parameters.AddWithValue("fingerprint", fingerprint);
                command.Parameters.AddWithValue("files", (long)files.Count);
                command.Parameters.AddWithValue("rows", result.RecordsStaged);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return result;
    }

    /// <summary>
    /// Lists the song files of <paramref name="source"/> and fingerprints them for
    /// <see cref="CopySongsAsync"/>: no database work, so a load runs it while the events stream in
    /// (thousands of small files cost as much to list and stat as a day of events takes to stage).
    /// </summary>
    public async Task<SongFiles> ListSongsAsync(SourceResolver resolver, string source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        var files = await resolver.ListAsync(source, cancellationToken).ToListAsync(cancellationToken).ConfigureAwait(false);
        return Fingerprinted(files);
    }

    /// <summary>Already listed song files, fingerprinted for <see cref="CopySongsAsync"/>.</summary>
    public SongFiles Fingerprinted(IReadOnlyList<SourceFile> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        return new SongFiles(files, Fingerprint(SongsCopy().CopySql, files));
    }

    /// <summary>The song files' COPY: concatenated JSON objects, keys mapped to columns by name.</summary>
    public PostgresStagingCopy SongsCopy() => new(RecordMapping.Auto(Songs), RecordFraming.JsonDocuments, _sql);

    /// <summary>The event logs' COPY: JSON Lines mapped through <paramref name="jsonPaths"/> (null: the contract's default).</summary>
    public PostgresStagingCopy EventsCopy(IReadOnlyList<JsonPath>? jsonPaths)
        => new(RecordMapping.JsonPaths(Events, jsonPaths ?? JsonPathsFile.DefaultEventPaths), RecordFraming.JsonLines, _sql);

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

    /// <summary>Whether this session may read and replace manifests (a least-privilege loader may not).</summary>
    private static async Task<bool> MayUseManifestsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        const string Table = StagingManifestConfiguration.TableName;
        var command = new NpgsqlCommand(
            $"SELECT has_table_privilege('{Table}', 'SELECT') AND has_table_privilege('{Table}', 'INSERT') AND has_table_privilege('{Table}', 'DELETE')",
            connection);
        await using (command.ConfigureAwait(false))
        {
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
        }
    }

    /// <summary>The rows of the staged table when its manifest matches <paramref name="fingerprint"/> and its row count; otherwise null.</summary>
    private static async Task<long?> StagedRowsIfUnchangedAsync(NpgsqlConnection connection, string tableName, string table, string fingerprint, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(
            $"SELECT m.row_count FROM {StagingManifestConfiguration.TableName} AS m WHERE m.table_name = @table AND m.fingerprint = @fingerprint "
            + $"AND m.storage = pg_relation_filenode('{table}') AND m.row_count = (SELECT COUNT(*) FROM {table})",
            connection);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.AddWithValue("table", tableName);
            command.Parameters.AddWithValue("fingerprint", fingerprint);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long rows ? rows : null;
        }
    }

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
        var command = new NpgsqlCommand(sql, connection);
        await using (command.ConfigureAwait(false))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>A load's song files and their fingerprint (null: they cannot be recognised as unchanged).</summary>
internal sealed record SongFiles(IReadOnlyList<SourceFile> Files, string? Fingerprint);
