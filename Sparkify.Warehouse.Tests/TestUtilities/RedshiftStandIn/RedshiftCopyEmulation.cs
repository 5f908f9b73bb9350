using System.Globalization;
using System.Text;

namespace Sparkify.Warehouse.Tests.TestUtilities.RedshiftStandIn;

/// <summary>What the stand-in answers a COPY with: its tag (<c>COPY n</c>) and INFO notices, or the error.</summary>
internal sealed record CopyAnswer(string Tag, List<WireMessage> Notices, WireMessage? Error);

/// <summary>
/// Runs <c>COPY … FROM 's3://…'</c> as Redshift would: reads and converts the S3 objects, records the
/// rejects in the error views on a connection of its own (so they outlive the client's rollback),
/// fails past MAXERROR, and otherwise stages the good rows into the table through the client's own
/// backend session (<c>COPY … FROM STDIN</c>), inside whatever transaction the client has open.
/// Every error is raised on the backend, so the client's transaction aborts exactly as Redshift's does.
/// </summary>
internal sealed class RedshiftCopyEmulation(RedshiftStandInSession session, StandInFaults faults)
{
    private const int RowsPerMessage = 500;

    public async Task<CopyAnswer> RunAsync(S3CopyCommand command, int statements, CancellationToken cancellationToken)
    {
        var standIn = session.StandIn;
        if (statements > 1)
        {
            return await FailAsync(new RefuseStatement("The Redshift stand-in runs a COPY only as the single statement of its command.", "0A000"), CancellationToken.None);
        }

        var queryId = standIn.NextQueryId();
        session.LastCopyId = queryId;
        session.LastCopyCount = 0;
        IReadOnlyList<TargetColumn> columns;
        CopyRead read;
        try
        {
            columns = await standIn.ColumnsAsync(command.Table, command.Columns, cancellationToken);
            read = await new S3JsonCopy(standIn.S3).ReadAsync(command, columns, cancellationToken);
        }
        catch (CopyFailedException e)
        {
            return await FailAsync(new RefuseStatement(e.Message, e.SqlState), CancellationToken.None);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return await CancelledAsync(queryId);
        }

        await standIn.RecordRejectsAsync(queryId, session.BackendProcessId, command.Table, read.Rejects, cancellationToken);
        var errorView = standIn.Serverless ? "sys_load_error_detail" : "stl_load_errors";
        if (read.Rejects.Count > command.MaxErrors)
        {
            return await FailAsync(new RefuseStatement($"Load into table '{command.Table}' failed.  Check '{errorView}' system table for details.", "XX000"), CancellationToken.None);
        }

        if (faults.CopyDelay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(faults.CopyDelay, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return await CancelledAsync(queryId);
            }
        }

        var staged = await StageAsync(command.Table, columns, read.Rows, faults.TakeDropDuringCopy(), cancellationToken);
        if (staged is not null)
        {
            return new CopyAnswer("", [], staged);
        }

        session.LastCopyCount = read.Rows.Count;
        var info = $"Load into table '{command.Table}' completed, {read.Rows.Count} record(s) loaded successfully."
            + (read.Rejects.Count > 0 ? $" {read.Rejects.Count} record(s) could not be loaded.  Check '{errorView}' system table for details." : "");
        return new CopyAnswer("COPY " + read.Rows.Count.ToString(CultureInfo.InvariantCulture), [WireMessage.Report('N', "INFO", "00000", info)], null);
    }

    private Task<CopyAnswer> CancelledAsync(long queryId)
        => FailAsync(new RefuseStatement($"Query ({queryId}) cancelled on user's request", "57014"), CancellationToken.None);

    private async Task<CopyAnswer> FailAsync(RefuseStatement refusal, CancellationToken cancellationToken)
        => new("", [], await session.BackendQueryAsync(RedshiftSqlRewriter.RaiseSql(refusal, 0), cancellationToken));

    /// <summary>Streams the rows into the backend's COPY FROM STDIN; returns the backend's error, if any.</summary>
    private async Task<WireMessage?> StageAsync(string table, IReadOnlyList<TargetColumn> columns, List<string?[]> rows, bool drop, CancellationToken cancellationToken)
    {
        var sql = $"COPY {table} ({string.Join(", ", columns.Select(c => c.Name))}) FROM STDIN";
        return await session.BackendQueryAsync(sql, cancellationToken, async message =>
        {
            if (message.Kind != 'G')
            {
                return;
            }

            for (var start = 0; start < rows.Count; start += RowsPerMessage)
            {
                if (drop && start >= rows.Count / 2)
                {
                    await session.FlushBackendAsync(cancellationToken);
                    session.Drop();
                    throw new IOException("The stand-in dropped the connection in the middle of a COPY, as asked.");
                }

                var text = new StringBuilder();
                foreach (var row in rows.Skip(start).Take(RowsPerMessage))
                {
                    text.AppendJoin('\t', row.Select(CopyText)).Append('\n');
                }

                await session.SendToBackendAsync(WireMessage.Of('d', Encoding.UTF8.GetBytes(text.ToString())), cancellationToken);
            }

            if (drop)
            {
                session.Drop();
                throw new IOException("The stand-in dropped the connection in the middle of a COPY, as asked.");
            }

            await session.SendToBackendAsync(WireMessage.Of('c'), cancellationToken);
            await session.FlushBackendAsync(cancellationToken);
        });
    }

    private static string CopyText(string? value)
        => value is null ? "\\N" : value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal);
}
