using Microsoft.EntityFrameworkCore;
using Npgsql;
using Sparkify.Warehouse.Loading.Json;
using Sparkify.Warehouse.Loading.PostgreSql;
using Sparkify.Warehouse.Loading.Sources;
using Sparkify.Warehouse.Loading.Staging;
using Sparkify.Warehouse.Loading.Transform;

namespace Sparkify.Warehouse.Loading;

/// <summary>
/// Phases of a PostgreSQL load run on their own, for benchmarking where a load's time goes: parsing the
/// JSON files into COPY rows without a database, staging the song files alone, and the star-schema
/// transform of rows already staged. Each phase runs the load's own code for that phase; none records a
/// run, a file in the ledger or a reject.
/// </summary>
/// <remarks>
/// <see cref="WarehouseLoader"/> is the way to load. The sources are listed once, by
/// <see cref="CreateAsync"/>, so that repeated measurements time the phase and not the listing.
/// </remarks>
public sealed class PostgreSqlLoadPhases
{
    private readonly PostgresStaging _staging;
    private readonly IReadOnlyList<SourceFile> _songFiles;
    private readonly IReadOnlyList<SourceFile> _eventFiles;
    private readonly IReadOnlyList<JsonPath> _jsonPaths;

    private PostgreSqlLoadPhases(PostgresStaging staging, IReadOnlyList<SourceFile> songFiles, IReadOnlyList<SourceFile> eventFiles, IReadOnlyList<JsonPath> jsonPaths)
    {
        _staging = staging;
        _songFiles = songFiles;
        _eventFiles = eventFiles;
        _jsonPaths = jsonPaths;
    }

    /// <summary>The total size in bytes of the song files, as listed.</summary>
    public long SongBytes => _songFiles.Sum(f => f.Length ?? 0);

    /// <summary>Lists the local song and event files and reads the JSONPaths file, as a load would.</summary>
    /// <param name="songsSource">A local song file or folder (recursive <c>*.json</c>, <c>*.json.gz</c>).</param>
    /// <param name="eventsSource">A local event log file or folder.</param>
    /// <param name="jsonPathsFile">A local JSONPaths file mapping event keys to <c>staging_events</c> columns.</param>
    /// <param name="cancellationToken">Stops the listing.</param>
    /// <exception cref="WarehouseException">A source cannot be listed or the JSONPaths file is not valid.</exception>
    public static async Task<PostgreSqlLoadPhases> CreateAsync(string songsSource, string eventsSource, string jsonPathsFile, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(songsSource);
        ArgumentException.ThrowIfNullOrWhiteSpace(eventsSource);
        ArgumentException.ThrowIfNullOrWhiteSpace(jsonPathsFile);
        using var resolver = new SourceResolver();
        var songFiles = await resolver.ListAsync(songsSource, cancellationToken).ToListAsync(cancellationToken).ConfigureAwait(false);
        var eventFiles = await resolver.ListAsync(eventsSource, cancellationToken).ToListAsync(cancellationToken).ConfigureAwait(false);
        var jsonPaths = JsonPathsFile.Parse(await resolver.ReadAllBytesAsync(jsonPathsFile, cancellationToken).ConfigureAwait(false), jsonPathsFile);

        return new PostgreSqlLoadPhases(new PostgresStaging(), songFiles, eventFiles, jsonPaths);
    }

    /// <summary>
    /// Parses every song and event file into the binary COPY rows the load would send, and writes them to
    /// the given streams instead of a server (<see cref="Stream.Null"/> measures the parser alone).
    /// </summary>
    /// <returns>The number of rows written to both streams.</returns>
    public async Task<long> WriteCopyRowsAsync(Stream songs, Stream events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(songs);
        ArgumentNullException.ThrowIfNull(events);
        var songRows = await _staging.SongsCopy().WriteToAsync(songs, _songFiles, new RejectLog(Guid.NewGuid(), 0), cancellationToken).ConfigureAwait(false);
        var eventRows = await _staging.EventsCopy(_jsonPaths).WriteToAsync(events, _eventFiles, new RejectLog(Guid.NewGuid(), 0), cancellationToken).ConfigureAwait(false);
        return songRows.RecordsStaged + eventRows.RecordsStaged;
    }

    /// <summary>
    /// Stages the song files into <c>staging_songs</c> on <paramref name="connection"/>, in the caller's
    /// transaction, as a load does (including keeping an unchanged staged copy).
    /// </summary>
    /// <returns>The number of song files read.</returns>
    public async Task<long> StageSongsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var result = await _staging.CopySongsAsync(connection, _staging.Fingerprinted(_songFiles), new RejectLog(Guid.NewGuid(), 0), null, cancellationToken).ConfigureAwait(false);
        return result.FilesRead;
    }

    /// <summary>
    /// Runs the load's transform of the staged rows into the star tables on <paramref name="connection"/>
    /// (with the load's session settings), in the caller's transaction; not a full refresh.
    /// </summary>
    public static async Task TransformStagedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using (var session = new NpgsqlCommand(PostgreSqlLoadPipeline.SessionSql, connection) { CommandTimeout = 0 })
        {
            await session.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await TransformRunner.ApplyAsync(connection, WarehouseProvider.Postgres, fullRefresh: false, cancellationToken).ConfigureAwait(false);
    }
}
