using Npgsql;
using NpgsqlTypes;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Loading.Pipeline;
using Sparkify.Warehouse.Loading.Sources;
using Sparkify.Warehouse.Telemetry;

namespace Sparkify.Warehouse.Loading.Ledger;

/// <summary>
/// One run's use of the ledger (<c>load_files</c>): reads the rows under the run's sources, picks the
/// listed files the run reads (the same decision <see cref="WarehouseFiles.ListAsync"/> shows), and
/// records the files it consumed in the run's transaction, so a rolled-back load forgets them.
/// </summary>
internal sealed class LoadLedger
{
    /// <summary>The ledger rows under the run's two sources (prefixes escaped for LIKE, backslash being the escape on both targets).</summary>
    public const string ReadSql = "SELECT uri, size_bytes, etag, modified_at FROM load_files WHERE uri LIKE @songs OR uri LIKE @events";

    /// <summary>The rows of the files this run re-reads: they are replaced by the run's.</summary>
    public const string ForgetSql = "DELETE FROM load_files WHERE uri = ANY(@uris)";

    /// <summary>Writes the run's rows.</summary>
    public const string CopySql = "COPY load_files (uri, size_bytes, etag, modified_at, run_id, records_staged, records_rejected, loaded_at) FROM STDIN (FORMAT BINARY)";

    private readonly LoadRequest _request;
    private readonly EventFileDatePattern _pattern;
    private readonly Backfill? _backfill;
    private readonly bool _readsEveryFile;
    private readonly Lock _gate = new();
    private readonly List<SourceFile> _read = [];
    private readonly List<string> _reread = [];
    private Dictionary<string, LoadFile> _ledger = new(StringComparer.Ordinal);

    /// <param name="request">The run's request: its sources, reload and backfill.</param>
    /// <param name="pattern">Finds an event file's day, for a backfill.</param>
    /// <param name="readsEveryFile">The target's load reads every listed file whatever the ledger holds (see <see cref="WarehouseFiles.ReadsEveryFile"/>).</param>
    public LoadLedger(LoadRequest request, EventFileDatePattern pattern, bool readsEveryFile = false)
    {
        _request = request;
        _pattern = pattern;
        _backfill = Backfill.Of(request);
        _readsEveryFile = readsEveryFile;
    }

    /// <summary>The files this run reads, as <see cref="Select"/> chose them.</summary>
    public IReadOnlyList<SourceFile> Read => _read;

    /// <summary>The files this run reads whose rows the ledger held (changed, reloaded, backfilled): their rows are replaced.</summary>
    public IReadOnlyList<string> Reread => _reread;

    /// <summary>Listed files the ledger held unchanged, which this run does not read.</summary>
    public long Skipped { get; private set; }

    /// <summary>Reads the ledger rows under the run's sources; sent under the load's lock, before anything is listed.</summary>
    public LoadStep ReadStep() => LoadStep.Custom(ReadSql, async (executor, ct) =>
    {
        var ledger = new Dictionary<string, LoadFile>(StringComparer.Ordinal);
        foreach (var row in await executor.ReadRowsAsync(ReadSql, ReadParameters(), ct).ConfigureAwait(false))
        {
            var uri = (string)row[0]!;
            ledger[uri] = new LoadFile
            {
                Uri = uri,
                SizeBytes = Convert.ToInt64(row[1], System.Globalization.CultureInfo.InvariantCulture),
                ETag = row[2] as string,
                ModifiedAt = row[3] as DateTime?,
            };
        }

        _ledger = ledger;
    }) with { Parameters = ReadParameters, Note = "the ledger rows under the two sources: a file it holds unchanged is not read again" };

    /// <summary>
    /// The files of <paramref name="listed"/> (all under the <paramref name="source"/> source) the run reads:
    /// new and changed ones; every one with reload or a full refresh; exactly the backfill's days' event files.
    /// </summary>
    public IReadOnlyList<SourceFile> Select(WarehouseFileSource source, IReadOnlyList<SourceFile> listed)
    {
        var reload = _request.Reload || _request.FullRefresh || _readsEveryFile;
        var backfill = source == WarehouseFileSource.Events ? _backfill : null;

        // One decision at a time rather than a list of them: song data is tens of thousands of files,
        // selected while the events stream in, and every per-file array is one more large object.
        // A row leaves the ledger's copy once its file is decided: with tens of thousands of song files
        // the rows and their URIs would otherwise stay in memory for the whole load.
        var read = new List<SourceFile>(listed.Count);
        lock (_gate)
        {
            foreach (var file in listed)
            {
                var decision = FileSelection.Decide(FileIdentity.Of(file), _ledger, reload);
                _ledger.Remove(file.Name);
                if (FileSelection.Reads(decision, backfill, _pattern))
                {
                    read.Add(file);
                    if (decision.Loaded is not null)
                    {
                        _reread.Add(file.Name);
                    }
                }
            }

            _read.AddRange(read);
            Skipped += listed.Count - read.Count;
        }

        LoadTelemetry.FilesListed(source == WarehouseFileSource.Songs ? TelemetrySource.Songs : TelemetrySource.Events, read.Count, listed.Count - read.Count);

        return read;
    }

    /// <summary>Deletes the ledger rows of the files this run reads again; only when it reads a file the ledger holds.</summary>
    public LoadStep ForgetStep() => LoadStep.Custom(ForgetSql, async (executor, ct) =>
    {
        await executor.ExecuteAsync(ForgetSql, [new NpgsqlParameter("uris", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = _reread.ToArray() }], ct).ConfigureAwait(false);
    }) with { Phase = LoadPhase.Commit, When = () => _reread.Count > 0, Note = "only when the load re-reads files the ledger holds (changed, --reload, a backfill): their rows are replaced" };

    /// <summary>
    /// Writes a row for every file the run read, with the records it staged (<paramref name="rowsPerFile"/>)
    /// and rejected; a file whose size is unknown is not recorded, so the next load reads it again.
    /// </summary>
    public LoadStep RecordStep(Guid runId, Func<IReadOnlyDictionary<string, long>> rowsPerFile, Func<IReadOnlyList<LoadError>> rejects)
        => LoadStep.Copy(CopySql, async (connection, ct) =>
        {
            var rejected = rejects().GroupBy(e => e.Source, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);
            var run = runId.ToString();
            var importer = await connection.BeginBinaryImportAsync(CopySql, ct).ConfigureAwait(false);
            await using (importer.ConfigureAwait(false))
            {
                foreach (var row in Rows(runId, rowsPerFile(), rejected))
                {
                    await importer.StartRowAsync(ct).ConfigureAwait(false);
                    await importer.WriteAsync(row.Uri, NpgsqlDbType.Varchar, ct).ConfigureAwait(false);
                    await importer.WriteAsync(row.SizeBytes, NpgsqlDbType.Bigint, ct).ConfigureAwait(false);
                    await WriteNullableAsync(importer, row.ETag, NpgsqlDbType.Varchar, ct).ConfigureAwait(false);
                    await WriteNullableAsync(importer, row.ModifiedAt, NpgsqlDbType.Timestamp, ct).ConfigureAwait(false);
                    await importer.WriteAsync(run, NpgsqlDbType.Varchar, ct).ConfigureAwait(false);
                    await WriteNullableAsync(importer, row.RecordsStaged, NpgsqlDbType.Bigint, ct).ConfigureAwait(false);
                    await importer.WriteAsync(row.RecordsRejected, NpgsqlDbType.Bigint, ct).ConfigureAwait(false);
                    await importer.WriteAsync(row.LoadedAt, NpgsqlDbType.Timestamp, ct).ConfigureAwait(false);
                }

                await importer.CompleteAsync(ct).ConfigureAwait(false);
            }
        }) with { When = () => _read.Count > 0, Note = "a row per file the load read; only when it read any" };

    /// <summary>
    /// The ledger rows of the files this run read, with the records each staged (<paramref name="staged"/>;
    /// null for a file the run has no count of its own for, such as one of several files a Redshift
    /// <c>COPY</c> read, or a song file whose staged rows a PostgreSQL load kept from an earlier run) and
    /// rejected; a file whose size is unknown gets no row, so the next load reads it again.
    /// </summary>
    public IEnumerable<LoadFile> Rows(Guid runId, IReadOnlyDictionary<string, long> staged, IReadOnlyDictionary<string, long> rejected)
    {
        var now = DateTime.UtcNow;
        return _read.Where(f => f.Length is not null).Select(file => FileIdentity.Of(file).ToLedgerRow(
            runId, staged.TryGetValue(file.Name, out var count) ? count : null, rejected.GetValueOrDefault(file.Name), now));
    }

    private static async Task WriteNullableAsync<T>(NpgsqlBinaryImporter importer, T? value, NpgsqlDbType type, CancellationToken cancellationToken)
    {
        if (value is null)
        {
            await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await importer.WriteAsync(value, type, cancellationToken).ConfigureAwait(false);
        }
    }

    private NpgsqlParameter[] ReadParameters() =>
    [
        new("songs", LikePrefix(_request.SongsSource)),
        new("events", LikePrefix(_request.EventsSource)),
    ];

    private static string LikePrefix(string source)
        => string.IsNullOrWhiteSpace(source)
            ? ""
            : WarehouseFiles.LedgerPrefix(source).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
}
