using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Loading.Ledger;
using Sparkify.Warehouse.Loading.Pipeline;
using Sparkify.Warehouse.Telemetry;

namespace Sparkify.Warehouse.Loading.Redshift;

/// <summary>
/// Writes a Redshift run's ledger rows (<c>load_files</c>) in its transaction. Redshift has no
/// <c>COPY FROM STDIN</c>, no arrays and no <c>ON CONFLICT</c>: a re-read file's row is deleted by an
/// <c>IN</c> list and every row is inserted with a multi-row <c>INSERT ... VALUES</c>, both with bind
/// parameters and at most <see cref="RowsPerStatement"/> files a statement.
/// </summary>
/// <remarks>
/// A COPY reports one total (<c>pg_last_copy_count()</c>), not one per file: a file that was the only
/// one its COPY read gets that count, any other NULL (not known per file). Rejects are exact per file:
/// the error views name the file of every rejected record.
/// </remarks>
internal static class RedshiftLedgerWrites
{
    /// <summary>
    /// Files a statement: 500 rows are 4,000 bind parameters and under 1.5 MB of values at the longest
    /// URIs (2,048 bytes): far below Redshift's 16 MB statement limit and the 32,767 bind parameters a
    /// statement may carry (the wire protocol counts them in 16 bits, which some drivers read as signed).
    /// </summary>
    public const int RowsPerStatement = 500;

    private const string Columns = "uri, size_bytes, etag, modified_at, run_id, records_staged, records_rejected, loaded_at";

    private const string BatchNote = "the run sends one such statement per 500 files, with one row (or URI) per file; the values shown are placeholders";

    /// <summary>The rejected records of the run per file, for the ledger; only when there are any.</summary>
    public const string RejectsPerFileSql = "SELECT source, COUNT(*) FROM load_errors WHERE run_id = @run_id GROUP BY source";

    /// <summary>Reads the run's rejects per file into <paramref name="rejected"/>.</summary>
    public static LoadStep RejectsPerFileStep(LoadAttempt run, Dictionary<string, long> rejected)
        => LoadStep.Custom(RejectsPerFileSql, async (executor, ct) =>
        {
            foreach (var row in await executor.ReadRowsAsync(RejectsPerFileSql, RunIdParameter(run), ct).ConfigureAwait(false))
            {
                if (row[0] is string source)
                {
                    rejected[source] = Convert.ToInt64(row[1], CultureInfo.InvariantCulture);
                }
            }
        }) with { Parameters = () => RunIdParameter(run), When = () => run.Rejected > 0, Note = "the rejected records per file, for the ledger; only when there are any" };

    /// <summary>Deletes the rows of the files the run re-reads (changed, --reload, a backfill, or every file without a manifest).</summary>
    public static LoadStep ForgetStep(LoadLedger ledger) => LoadStep.Custom(ForgetSql(1), async (executor, ct) =>
    {
        foreach (var batch in ledger.Reread.Chunk(RowsPerStatement))
        {
            await executor.ExecuteAsync(ForgetSql(batch.Length), [.. batch.Select((uri, i) => new NpgsqlParameter(Name("uri", i), NpgsqlDbType.Varchar) { Value = uri })], ct).ConfigureAwait(false);
        }
    }) with
    {
        Phase = LoadPhase.Commit,
        Parameters = () => [new NpgsqlParameter(Name("uri", 0), NpgsqlDbType.Varchar) { Value = DBNull.Value }],
        When = () => ledger.Reread.Count > 0,
        Note = "only when the load re-reads files the ledger holds (changed, --reload, a backfill, or every file when there is no manifest prefix): their rows are replaced; " + BatchNote,
    };

    /// <summary>Inserts a row per file the run read.</summary>
    /// <param name="ledger">The run's ledger: which files it read.</param>
    /// <param name="runId">The run.</param>
    /// <param name="staged">Records staged per file, for the files whose count is known.</param>
    /// <param name="rejected">Records rejected per file.</param>
    public static LoadStep RecordStep(LoadLedger ledger, Guid runId, Func<IReadOnlyDictionary<string, long>> staged, IReadOnlyDictionary<string, long> rejected)
        => LoadStep.Custom(InsertSql(1), async (executor, ct) =>
        {
            foreach (var batch in ledger.Rows(runId, staged(), rejected).Chunk(RowsPerStatement))
            {
                await executor.ExecuteAsync(InsertSql(batch.Length), [.. batch.SelectMany((row, i) => Parameters(row, i))], ct).ConfigureAwait(false);
            }
        }) with
        {
            Parameters = () => [.. Columns.Split(", ").Select(column => new NpgsqlParameter(Name(column, 0), column == "run_id" ? runId.ToString("D") : DBNull.Value))],
            When = () => ledger.Read.Count > 0,
            Note = "a row per file the load read; only when it read any; records_staged is NULL for a file its COPY read with others (Redshift counts per COPY); " + BatchNote,
        };

    /// <summary><c>DELETE</c> of <paramref name="count"/> URIs.</summary>
    internal static string ForgetSql(int count)
        => "DELETE FROM load_files WHERE uri IN (" + string.Join(", ", Enumerable.Range(0, count).Select(i => "@" + Name("uri", i))) + ")";

    /// <summary><c>INSERT</c> of <paramref name="count"/> rows.</summary>
    internal static string InsertSql(int count)
    {
        var sql = new StringBuilder("INSERT INTO load_files (").Append(Columns).Append(")\nVALUES ");
        for (var i = 0; i < count; i++)
        {
            sql.Append(i == 0 ? "" : ",\n").Append('(')
                .AppendJoin(", ", Columns.Split(", ").Select(column => "@" + Name(column, i)))
                .Append(')');
        }

        return sql.ToString();
    }

    private static IEnumerable<NpgsqlParameter> Parameters(LoadFile row, int index) =>
    [
        new(Name("uri", index), NpgsqlDbType.Varchar) { Value = row.Uri },
        new(Name("size_bytes", index), NpgsqlDbType.Bigint) { Value = row.SizeBytes },
        new(Name("etag", index), NpgsqlDbType.Varchar) { Value = (object?)row.ETag ?? DBNull.Value },
        new(Name("modified_at", index), NpgsqlDbType.Timestamp) { Value = (object?)row.ModifiedAt ?? DBNull.Value },
        new(Name("run_id", index), NpgsqlDbType.Varchar) { Value = row.RunId.ToString("D") },
        new(Name("records_staged", index), NpgsqlDbType.Bigint) { Value = (object?)row.RecordsStaged ?? DBNull.Value },
        new(Name("records_rejected", index), NpgsqlDbType.Bigint) { Value = row.RecordsRejected },
        new(Name("loaded_at", index), NpgsqlDbType.Timestamp) { Value = row.LoadedAt },
    ];

    private static NpgsqlParameter[] RunIdParameter(LoadAttempt run) => [new("run_id", NpgsqlDbType.Varchar) { Value = run.RunId.ToString("D") }];

    private static string Name(string column, int index) => column + "_" + index.ToString(CultureInfo.InvariantCulture);
}
