using System.Buffers;
using Sparkify.Warehouse.Loading.Json;
using Sparkify.Warehouse.Loading.Sources;
using Sparkify.Warehouse.Loading.Staging;

namespace Sparkify.Warehouse.Loading.PostgreSql;

// A large JSON Lines file parsed on several cores: cut at line boundaries into parts that are converted
// side by side and written in file order, so the COPY stream, the rejects and their line numbers are
// exactly what one reader going through the file produces.
internal sealed partial class PostgresStagingCopy
{
    /// <summary>Bytes of a file handed to one worker at a time (more when a line is longer).</summary>
    internal const int PartBytes = 1024 * 1024;

    /// <summary>
    /// Converters working on a file's parts at once; 1 reads every file with one reader. Each part in
    /// flight holds about two <see cref="PartBytes"/> (its JSON and its rows), so memory stays flat.
    /// </summary>
    internal int ParseWorkers { get; init; } = Environment.ProcessorCount;

    /// <summary>What <see cref="CopyInPartsAsync"/> did; <see cref="Rest"/> is set when a line too long to cut around leaves the rest of the file to one reader.</summary>
    private readonly record struct PartsOutcome(bool Stopped, long Bytes, JsonRecordReader? Rest);

    /// <summary>What one worker made of a part: its rows, and its rejects in a log of their own.</summary>
    private sealed record PartResult(PgBinaryCopyBuffer Rows, long RowCount, RejectLog Rejects);

    private readonly Stack<RecordConverter> _spareConverters = new();

    /// <summary>
    /// Converts a JSON Lines file part by part on <see cref="ParseWorkers"/> cores, writing each part's rows
    /// and rejects in file order; stops where the reject budget runs out, as one reader would.
    /// </summary>
    private async Task<PartsOutcome> CopyInPartsAsync(
        SourceFile file,
        byte[] pooledBuffer,
        int length,
        Stream stream,
        PipelinedCopyWriter output,
        RejectLog rejects,
        Counters counters,
        CancellationToken cancellationToken)
    {
        var pending = new Queue<Task<PartResult>>();
        var carry = pooledBuffer;
        var carried = length;
        long bytes = length;
        long nextLine = 1;
        var ended = false;
        var restHandedOver = false;
        try
        {
            while (!ended)
            {
                // The part: what was left over from the last one (a line's start), then as much as fits.
                var part = ArrayPool<byte>.Shared.Rent(Math.Max(PartBytes, carried * 2));
                carry.AsSpan(0, carried).CopyTo(part);
                ArrayPool<byte>.Shared.Return(carry);
                carry = [];
                var filled = carried;
                while (filled < part.Length && !ended)
                {
                    int read;
                    try
                    {
                        read = await stream.ReadAsync(part.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (SourcePrefetcher.IsReadFailure(ex))
                    {
                        ArrayPool<byte>.Shared.Return(part);
                        throw SourcePrefetcher.SourceReadFailed(file, ex);
                    }

                    ended = read == 0;
                    filled += read;
                    bytes += read;
                }

                var cut = ended ? filled : part.AsSpan(0, filled).LastIndexOf((byte)'\n') + 1;
                if (cut == 0)
                {
                    if (filled <= JsonRecordReader.MaxRecordBytes)
                    {
                        // No line ends in this part yet: read on into a larger one.
                        (carry, carried) = (part, filled);
                        continue;
                    }

                    // A line longer than any record may be: one reader rejects it without buffering it
                    // whole, and reads the rest of the file too.
                    if (await WriteFinishedPartsAsync(pending, 0, output, rejects, counters).ConfigureAwait(false))
                    {
                        ArrayPool<byte>.Shared.Return(part);
                        return new PartsOutcome(true, bytes, null);
                    }

                    restHandedOver = true;
                    return new PartsOutcome(false, bytes - filled, new JsonRecordReader(part, filled, stream, RecordFraming.JsonLines, nextLine));
                }

                carried = filled - cut;
                carry = ArrayPool<byte>.Shared.Rent(Math.Max(carried, 1));
                part.AsSpan(cut, carried).CopyTo(carry);
                var firstLine = nextLine;
                nextLine += part.AsSpan(0, cut).Count((byte)'\n');
                pending.Enqueue(Task.Run(() => ConvertPart(file.Name, part, cut, firstLine, rejects), cancellationToken));
                if (await WriteFinishedPartsAsync(pending, ParseWorkers, output, rejects, counters).ConfigureAwait(false))
                {
                    return new PartsOutcome(true, bytes, null);
                }
            }

            var stopped = await WriteFinishedPartsAsync(pending, 0, output, rejects, counters).ConfigureAwait(false);
            return new PartsOutcome(stopped, bytes, null);
        }
        finally
        {
            if (carry.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(carry);
            }

            // Parts still converting after a failure or a stop are waited for, so their buffers go back.
            while (pending.TryDequeue(out var left))
            {
                try
                {
                    (await left.ConfigureAwait(false)).Rows.Dispose();
                }
                catch (Exception ex) when (ex is OperationCanceledException or WarehouseException)
                {
                    // The failure that ended the copy is the one the caller sees.
                }
            }

            if (!restHandedOver)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Writes parts, oldest first, until at most <paramref name="keep"/> are in flight; true when the reject budget ran out.</summary>
    private static async Task<bool> WriteFinishedPartsAsync(Queue<Task<PartResult>> pending, int keep, PipelinedCopyWriter output, RejectLog rejects, Counters counters)
    {
        while (pending.Count > keep)
        {
            var part = await pending.Dequeue().ConfigureAwait(false);
            using (part.Rows)
            {
                foreach (var error in part.Rejects.Errors)
                {
                    rejects.Add(error);
                    if (rejects.LimitExceeded)
                    {
                        return true;
                    }
                }

                output.Current.WriteRows(part.Rows.WrittenSpan);
                counters.Rows += part.RowCount;
            }

            if (output.Current.Length >= FlushBytes)
            {
                await output.HandOverAsync().ConfigureAwait(false);
            }
        }

        return false;
    }

    /// <summary>Converts one part, which holds whole lines starting at <paramref name="firstLine"/>; the part's buffer goes back to the pool.</summary>
    private PartResult ConvertPart(string source, byte[] part, int length, long firstLine, RejectLog budget)
    {
        RecordConverter? converter;
        lock (_spareConverters)
        {
            _spareConverters.TryPop(out converter);
        }

        converter ??= new RecordConverter(_mapping);
        var rows = new PgBinaryCopyBuffer();
        var partRejects = new RejectLog(budget.RunId, int.MaxValue);
        var partCounters = new Counters(0);
        using (var reader = new JsonRecordReader(part, length, stream: null, RecordFraming.JsonLines, firstLine))
        {
            // The part is all in memory: the reader never needs more data, and only the whole-file budget stops a copy.
            while (Drain(source, reader, converter, rows, partRejects, partCounters, flushAt: int.MaxValue) != DrainStatus.EndOfFile)
            {
            }
        }

        lock (_spareConverters)
        {
            _spareConverters.Push(converter);
        }

        return new PartResult(rows, partCounters.Rows, partRejects);
    }
}
