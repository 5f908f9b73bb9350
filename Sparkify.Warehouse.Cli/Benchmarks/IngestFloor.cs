using Npgsql;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>The ingest floor: a binary COPY of the pre-parsed rows into staging, no parsing.</summary>
internal static class IngestFloor
{
    /// <summary>The size of the writes into COPY: the load flushes its COPY buffer at 256 KiB too.</summary>
    private const int CopyWriteBytes = 256 * 1024;

    /// <summary>Measures the ingest into an empty database and returns how many rows it staged.</summary>
    public static async Task<long> MeasureAsync(NpgsqlConnection connection, BenchDataset data, BenchReport report, CancellationToken cancellationToken)
    {
        var binaryBytes = new FileInfo(data.EventsBinary).Length + new FileInfo(data.SongsBinary).Length;
        var (ingestSeconds, _) = await BenchTiming.TimeAsync(async () =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await ReferencePipeline.ExecuteAsync(connection, "TRUNCATE staging_events, staging_songs", cancellationToken).ConfigureAwait(false);
            await ReplayAsync(connection, "staging_songs", data.SongsBinary, cancellationToken).ConfigureAwait(false);
            await ReplayAsync(connection, "staging_events", data.EventsBinary, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return 0L;
        }).ConfigureAwait(false);
        var staged = await BenchTiming.ScalarAsync(connection, "SELECT (SELECT COUNT(*) FROM staging_events) + (SELECT COUNT(*) FROM staging_songs)", cancellationToken).ConfigureAwait(false);
        report.Add("ingest floor: binary COPY of pre-parsed rows", ingestSeconds, staged, binaryBytes);
        return staged;
    }

    private static async Task ReplayAsync(NpgsqlConnection connection, string table, string path, CancellationToken cancellationToken)
    {
        var copy = await connection.BeginRawBinaryCopyAsync($"COPY {table} FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        await using (copy.ConfigureAwait(false))
        {
            await using var file = File.OpenRead(path);
            await file.CopyToAsync(copy, CopyWriteBytes, cancellationToken).ConfigureAwait(false);
        }
    }
}
