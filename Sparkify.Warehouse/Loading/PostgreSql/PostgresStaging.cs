using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
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
/// A typical load, in one transaction: <see cref="TruncateAsync"/>, <see cref="CopySongsAsync"/>,
/// <see cref="CopyEventsAsync"/> with one shared <see cref="RejectLog"/>; fail the load (roll back) when
/// a result has <see cref="StagingCopyResult.StoppedAtErrorLimit"/> or the log's
/// <see cref="RejectLog.LimitExceeded"/> is set, otherwise transform. The rejects are meant for
/// <c>load_errors</c>, written outside the rolled-back transaction when the load fails.
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

    /// <summary>Empties both staging tables (SPEC §3: staging holds exactly the current load); transactional on PostgreSQL.</summary>
    public async Task TruncateAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var command = new NpgsqlCommand($"TRUNCATE TABLE {_sql.DelimitIdentifier(Events.Name)}, {_sql.DelimitIdentifier(Songs.Name)}", connection);
        await using (command.ConfigureAwait(false))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stages song files: concatenated JSON objects, keys mapped to columns by name.</summary>
    public Task<StagingCopyResult> CopySongsAsync(
        NpgsqlConnection connection,
        IReadOnlyList<SourceFile> files,
        RejectLog rejects,
        IProgress<StagingProgress>? progress,
        CancellationToken cancellationToken)
        => SongsCopy().CopyAsync(connection, files, rejects, progress, cancellationToken);

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
}
