using System.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Sparkify.Warehouse.Loading.Json;
using Sparkify.Warehouse.Loading.Sources;
using Sparkify.Warehouse.Loading.Staging;

namespace Sparkify.Warehouse.Loading.PostgreSql;

/// <summary>How far a staging COPY has got.</summary>
/// <param name="FilesRead">Files finished.</param>
/// <param name="FilesTotal">Files to read.</param>
/// <param name="RecordsStaged">Rows written to the COPY so far.</param>
/// <param name="BytesRead">Bytes of JSON read so far (decompressed).</param>
internal readonly record struct StagingProgress(long FilesRead, long FilesTotal, long RecordsStaged, long BytesRead);

/// <summary>What one staging COPY did.</summary>
/// <param name="Table">The staging table.</param>
/// <param name="FilesRead">Files read completely.</param>
/// <param name="RecordsStaged">Rows in the table after the COPY (0 when it stopped early).</param>
/// <param name="BytesRead">Bytes of JSON read (decompressed).</param>
/// <param name="RecordsRejected">Records this COPY rejected (also in the <see cref="RejectLog"/>).</param>
/// <param name="StoppedAtErrorLimit">
/// The rejects exceeded the load's <c>--max-errors</c>: reading stopped and the COPY was cancelled, so
/// nothing was staged and the caller's transaction is aborted; the load must fail.
/// </param>
internal sealed record StagingCopyResult(string Table, long FilesRead, long RecordsStaged, long BytesRead, long RecordsRejected, bool StoppedAtErrorLimit)
{
    /// <summary>
    /// The table already held exactly these rows from the last successful load, which also derived
    /// everything they bring, so nothing was read (see <see cref="PostgresStaging.CopySongsAsync"/>).
    /// </summary>
    public bool Unchanged { get; init; }

    /// <summary>Rows each file put into the COPY, by file name (the ledger records them per file).</summary>
    public IReadOnlyDictionary<string, long> RowsPerFile { get; init; } = new Dictionary<string, long>();

    // Two results are equal on what they add up to; the per-file breakdown is detail for the ledger.
    public bool Equals(StagingCopyResult? other)
        => other is not null
           && (Table, FilesRead, RecordsStaged, BytesRead, RecordsRejected, StoppedAtErrorLimit, Unchanged)
           == (other.Table, other.FilesRead, other.RecordsStaged, other.BytesRead, other.RecordsRejected, other.StoppedAtErrorLimit, other.Unchanged);

    public override int GetHashCode() => HashCode.Combine(Table, FilesRead, RecordsStaged, BytesRead, RecordsRejected, StoppedAtErrorLimit, Unchanged);
}

/// <summary>
/// Streams JSON files into one staging table through <c>COPY ... FROM STDIN (FORMAT BINARY)</c>:
/// files are read ahead, split into records, converted with Redshift COPY's rules and written as binary
/// rows; records that do not convert go to the <see cref="RejectLog"/> and the rest load.
/// </summary>
/// <remarks>
/// The COPY runs on the caller's connection, inside whatever transaction is open there. If anything
/// fails, or the rejects exceed the budget, the COPY is cancelled (<c>CopyFail</c>) rather than
/// completed, so a failed staging never leaves a partial table behind. Note that disposing Npgsql's raw
/// copy stream completes the COPY; only an explicit cancel discards it.
/// </remarks>
internal sealed partial class PostgresStagingCopy
{
    /// <summary>Rows are sent to the server in chunks of about this size.</summary>
    internal const int FlushBytes = 256 * 1024;

    /// <summary>
    /// Files opened and read ahead of the one being parsed: enough to hide S3 round trips (about 16
    /// requests in flight) for 64 KB of pooled buffer each.
    /// </summary>
    internal const int PrefetchWindow = 16;

    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    private readonly RecordMapping _mapping;
    private readonly RecordFraming _framing;
    private readonly string _copySql;

    public PostgresStagingCopy(RecordMapping mapping, RecordFraming framing, ISqlGenerationHelper sqlGenerationHelper)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        ArgumentNullException.ThrowIfNull(sqlGenerationHelper);
        _mapping = mapping;
        _framing = framing;
        _copySql = mapping.Table.CopyFromStdinBinarySql(sqlGenerationHelper);
    }

    /// <summary>The COPY statement this instance runs.</summary>
    public string CopySql => _copySql;

    /// <summary>Stages <paramref name="files"/>, in order, into the table.</summary>
    /// <exception cref="WarehouseException">A file cannot be read, or PostgreSQL refuses the COPY.</exception>
    public async Task<StagingCopyResult> CopyAsync(
        NpgsqlConnection connection,
        IReadOnlyList<SourceFile> files,
        RejectLog rejects,
        IProgress<StagingProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(rejects);

        var tableName = _mapping.Table.Name;
        var counters = new Counters(rejects.Count, files.Count);
        NpgsqlRawCopyStream copy;
        try
        {
            copy = await connection.BeginRawBinaryCopyAsync(_copySql, cancellationToken).ConfigureAwait(false);

            // Npgsql gives a COPY's socket reads and writes the connection's Command Timeout (30 s unless
            // the connection string says otherwise); a big COPY into a busy server can wait longer for a
            // write or for the completion. As every load statement, it is bounded only by the caller's
            // cancellation. -1, not 0: Npgsql 10.0.0 reads a 0 read timeout as "time out at once".
            copy.ReadTimeout = Timeout.Infinite;
            copy.WriteTimeout = Timeout.Infinite;
        }
        catch (NpgsqlException ex)
        {
            throw CopyFailed(tableName, ex);
        }

        var completed = false;
        try
        {
            var stopped = await StreamRowsAsync(copy, files, rejects, progress, counters, cancellationToken).ConfigureAwait(false);
            var rejected = rejects.Count - counters.RejectsBefore;
            if (stopped)
            {
                return new StagingCopyResult(tableName, counters.Files, 0, counters.Bytes, rejected, StoppedAtErrorLimit: true);
            }

            // Disposing the raw stream sends CopyDone and waits for the server's CommandComplete.
            completed = true;
            await copy.DisposeAsync().ConfigureAwait(false);
            progress?.Report(new StagingProgress(counters.Files, files.Count, counters.Rows, counters.Bytes));
            return new StagingCopyResult(tableName, counters.Files, counters.Rows, counters.Bytes, rejected, StoppedAtErrorLimit: false) { RowsPerFile = counters.RowsPerFile };
        }
        catch (NpgsqlException ex)
        {
            throw CopyFailed(tableName, ex);
        }
        finally
        {
            if (!completed)
            {
                await CancelQuietlyAsync(copy).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Converts <paramref name="files"/> exactly as <see cref="CopyAsync"/> does but writes the binary COPY
    /// stream to <paramref name="destination"/> instead of a server: for measuring the parser alone
    /// (<see cref="Stream.Null"/>) or keeping pre-parsed rows to replay into COPY later.
    /// </summary>
    /// <returns>What was converted; <see cref="StagingCopyResult.RecordsStaged"/> counts rows written.</returns>
    public async Task<StagingCopyResult> WriteToAsync(Stream destination, IReadOnlyList<SourceFile> files, RejectLog rejects, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(rejects);
        var counters = new Counters(rejects.Count, files.Count);
        var stopped = await StreamRowsAsync(destination, files, rejects, progress: null, counters, cancellationToken).ConfigureAwait(false);
        return new StagingCopyResult(_mapping.Table.Name, counters.Files, stopped ? 0 : counters.Rows, counters.Bytes, rejects.Count - counters.RejectsBefore, stopped)
        {
            RowsPerFile = counters.RowsPerFile,
        };
    }

    /// <summary>Writes the whole binary COPY stream of <paramref name="files"/>; true when it stopped at the reject limit (then incomplete).</summary>
    private async Task<bool> StreamRowsAsync(
        Stream destination,
        IReadOnlyList<SourceFile> files,
        RejectLog rejects,
        IProgress<StagingProgress>? progress,
        Counters counters,
        CancellationToken cancellationToken)
    {
        var output = new PipelinedCopyWriter(destination, cancellationToken);
        await using (output.ConfigureAwait(false))
        {
            output.Current.WriteHeader();
            var converter = new RecordConverter(_mapping);
            var clock = Stopwatch.StartNew();
            var lastReport = TimeSpan.Zero;
            var stopped = false;

            await using (var prefetcher = new SourcePrefetcher(files, PrefetchWindow, cancellationToken))
            {
                while (!stopped && await prefetcher.NextAsync().ConfigureAwait(false) is { } source)
                {
                    var (buffer, remainder) = source.Detach();
                    var rowsBefore = counters.Rows;
                    var reader = default(JsonRecordReader);
                    if (_framing == RecordFraming.JsonLines && remainder is not null && ParseWorkers > 1)
                    {
                        // More than the read-ahead holds: worth cutting into parts for several cores.
                        var parts = await CopyInPartsAsync(source.File, buffer, source.Length, remainder, output, rejects, counters, cancellationToken).ConfigureAwait(false);
                        counters.Bytes += parts.Bytes;
                        stopped = parts.Stopped;
                        reader = parts.Rest;
                    }
                    else
                    {
                        reader = new JsonRecordReader(buffer, source.Length, remainder, _framing);
                    }

                    if (reader is not null)
                    {
                        await using (reader.ConfigureAwait(false))
                        {
                            stopped = !await CopyFileAsync(source.File, reader, converter, output, rejects, counters, cancellationToken).ConfigureAwait(false);
                            counters.Bytes += reader.BytesRead;
                        }
                    }

                    counters.RowsPerFile[source.File.Name] = counters.Rows - rowsBefore;
                    if (!stopped)
                    {
                        counters.Files++;
                    }

                    if (progress is not null && clock.Elapsed - lastReport >= ProgressInterval)
                    {
                        lastReport = clock.Elapsed;
                        progress.Report(new StagingProgress(counters.Files, files.Count, counters.Rows, counters.Bytes));
                    }
                }
            }

            if (stopped)
            {
                return true;
            }

            output.Current.WriteTrailer();
            await output.CompleteAsync().ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>Copies one file; false when the reject budget ran out.</summary>
    private static async Task<bool> CopyFileAsync(
        SourceFile file,
        JsonRecordReader reader,
        RecordConverter converter,
        PipelinedCopyWriter output,
        RejectLog rejects,
        Counters counters,
        CancellationToken cancellationToken)
    {
        while (true)
        {
            var status = Drain(file.Name, reader, converter, output.Current, rejects, counters);
            if (output.Current.Length >= FlushBytes)
            {
                await output.HandOverAsync().ConfigureAwait(false);
            }

            switch (status)
            {
                case DrainStatus.EndOfFile:
                    return true;
                case DrainStatus.ErrorLimit:
                    return false;
                case DrainStatus.NeedMoreData:
                    try
                    {
                        await reader.FillAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (SourcePrefetcher.IsReadFailure(ex))
                    {
                        throw SourcePrefetcher.SourceReadFailed(file, ex);
                    }

                    break;
            }
        }
    }

    private enum DrainStatus
    {
        NeedMoreData,
        OutputFull,
        EndOfFile,
        ErrorLimit,
    }

    /// <summary>Converts every record already buffered; synchronous, because records are spans.</summary>
    private static DrainStatus Drain(string source, JsonRecordReader reader, RecordConverter converter, PgBinaryCopyBuffer output, RejectLog rejects, Counters counters, int flushAt = FlushBytes)
    {
        var columns = converter.Columns;
        while (output.Length < flushAt)
        {
            switch (reader.Read())
            {
                case ReadStatus.NeedMoreData:
                    return DrainStatus.NeedMoreData;
                case ReadStatus.EndOfFile:
                    return DrainStatus.EndOfFile;
                case ReadStatus.Record:
                    var record = reader.Record;
                    if (converter.TryConvert(record, out var failure))
                    {
                        converter.WriteRow(output);
                        counters.Rows++;
                        break;
                    }

                    rejects.Add(source, reader.Line, failure.Column >= 0 ? columns[failure.Column].Name : null, failure.Reason, record);
                    if (rejects.LimitExceeded)
                    {
                        return DrainStatus.ErrorLimit;
                    }

                    break;
                default:
                    rejects.Add(source, reader.Line, null, reader.RejectReason, reader.RejectRaw);
                    if (rejects.LimitExceeded)
                    {
                        return DrainStatus.ErrorLimit;
                    }

                    break;
            }
        }

        return DrainStatus.OutputFull;
    }

    private static async Task CancelQuietlyAsync(NpgsqlRawCopyStream copy)
    {
        try
        {
            await copy.CancelAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException or ObjectDisposedException)
        {
            // The connection is already broken or the COPY already ended; the original failure is what
            // the caller needs to see.
        }

        try
        {
            await copy.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException or ObjectDisposedException)
        {
            // As above.
        }
    }

    private static WarehouseException CopyFailed(string table, NpgsqlException exception)
        => new(exception is PostgresException pg
            ? $"PostgreSQL refused the COPY into {table}: {pg.MessageText}"
            : $"The COPY into {table} failed: {ErrorText.Describe(exception)}", exception);

    private sealed class Counters(int rejectsBefore, int files = 0)
    {
        public int RejectsBefore { get; } = rejectsBefore;

        public long Files { get; set; }

        public long Rows { get; set; }

        public long Bytes { get; set; }

        // Sized for every file up front: grown one by one for tens of thousands of song files, it
        // would leave a trail of ever larger discarded arrays on the large object heap.
        public Dictionary<string, long> RowsPerFile { get; } = new(files, StringComparer.Ordinal);
    }
}
