using Npgsql;
using NpgsqlTypes;
using Sparkify.Warehouse.Entities;

namespace Sparkify.Warehouse.Loading;

/// <summary>
/// Writes a run's <c>load_runs</c> row and its <c>load_errors</c>. A successful run's final row is
/// written inside the load's transaction, so it commits together with the data; a failed run's is
/// written afterwards on its own connection, so the failure survives the rollback.
/// </summary>
internal static class LoadRunLog
{
    public const string StartSql =
        """
        INSERT INTO load_runs (run_id, started_at, status, sources, events_staged, songs_staged, rows_rejected,
                               songplays_inserted, users_upserted, songs_inserted, artists_upserted, time_inserted)
        VALUES (@run_id, @started_at, @status, @sources, 0, 0, 0, 0, 0, 0, 0, 0)
        """;

    public const string FailAbandonedSql =
        "UPDATE load_runs SET status = @failed, finished_at = @now, error = @error WHERE status = @running AND run_id <> @run_id";

    public const string FinishSql =
        """
        UPDATE load_runs
        SET finished_at = @finished_at, status = @status, events_staged = @events_staged, songs_staged = @songs_staged,
            rows_rejected = @rows_rejected, songplays_inserted = @songplays, users_upserted = @users,
            songs_inserted = @songs, artists_upserted = @artists, time_inserted = @time, error = @error
        WHERE run_id = @run_id AND status <> @succeeded
        """;

    public const string AbandonedError = "interrupted: the loading process ended before the run finished; nothing of it was committed";

    public const string CopyErrorsSql = "COPY load_errors (run_id, source, line_number, column_name, reason, raw_line) FROM STDIN (FORMAT BINARY)";

    public static NpgsqlParameter[] StartParameters(Guid runId, DateTime startedAt, string sources) =>
    [
        new("run_id", NpgsqlDbType.Varchar) { Value = runId.ToString() },
        new("started_at", NpgsqlDbType.Timestamp) { Value = AsTimestamp(startedAt) },
        new("status", NpgsqlDbType.Varchar) { Value = LoadRunStatus.Running },
        new("sources", NpgsqlDbType.Varchar) { Value = sources },
    ];

    /// <summary>For <see cref="FailAbandonedSql"/>, which marks runs left <c>running</c> by a process that died as failed (run it holding the load lock).</summary>
    public static NpgsqlParameter[] FailAbandonedParameters(Guid currentRunId, DateTime now) =>
    [
        new("failed", NpgsqlDbType.Varchar) { Value = LoadRunStatus.Failed },
        new("now", NpgsqlDbType.Timestamp) { Value = AsTimestamp(now) },
        new("error", NpgsqlDbType.Varchar) { Value = AbandonedError },
        new("running", NpgsqlDbType.Varchar) { Value = LoadRunStatus.Running },
        new("run_id", NpgsqlDbType.Varchar) { Value = currentRunId.ToString() },
    ];

    public static NpgsqlParameter[] FinishParameters(LoadResult result, DateTime finishedAt) =>
    [
        new("finished_at", NpgsqlDbType.Timestamp) { Value = AsTimestamp(finishedAt) },
        new("status", NpgsqlDbType.Varchar) { Value = result.Status },
        new("events_staged", NpgsqlDbType.Bigint) { Value = result.EventsStaged },
        new("songs_staged", NpgsqlDbType.Bigint) { Value = result.SongsStaged },
        new("rows_rejected", NpgsqlDbType.Bigint) { Value = result.Rejected },
        new("songplays", NpgsqlDbType.Bigint) { Value = result.SongPlaysInserted },
        new("users", NpgsqlDbType.Bigint) { Value = result.UsersUpserted },
        new("songs", NpgsqlDbType.Bigint) { Value = result.SongsInserted },
        new("artists", NpgsqlDbType.Bigint) { Value = result.ArtistsUpserted },
        new("time", NpgsqlDbType.Bigint) { Value = result.TimeInserted },
        new("error", NpgsqlDbType.Varchar) { Value = (object?)Truncate(result.Error) ?? DBNull.Value },
        new("run_id", NpgsqlDbType.Varchar) { Value = result.RunId.ToString() },

        // A failure recorded after a commit whose acknowledgement was lost must not overwrite its success.
        new("succeeded", NpgsqlDbType.Varchar) { Value = LoadRunStatus.Succeeded },
    ];

    /// <summary>The end of a run's transaction: its final row, then <c>COMMIT</c>.</summary>
    public static IEnumerable<Pipeline.LoadStep> FinishSteps(Pipeline.LoadAttempt run)
    {
        yield return Pipeline.LoadStep.Statement(FinishSql) with { Parameters = () => FinishParameters(run.Succeeded(), DateTime.UtcNow), Phase = Telemetry.LoadPhase.Commit };
        yield return Pipeline.LoadStep.Client(_ =>
        {
            run.Committing = true;
            return Task.CompletedTask;
        });
        yield return Pipeline.LoadStep.Statement("COMMIT");
    }

    public static async Task FinishAsync(NpgsqlConnection connection, LoadResult result, DateTime finishedAt, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(FinishSql, connection) { CommandTimeout = 0 };
        command.Parameters.AddRange(FinishParameters(result, finishedAt));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A statement as a dry run shows it: the bind parameters it sends written in as SQL literals, so the
    /// text can be read and parsed on its own.
    /// </summary>
    public static string Preview(string sql, IReadOnlyDictionary<string, object?> values)
    {
        foreach (var (name, value) in values.OrderByDescending(v => v.Key.Length))
        {
            var literal = value switch
            {
                null => "NULL",
                string text => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'",
                DateTime time => "'" + time.ToString("yyyy-MM-dd HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture) + "'",
                IFormattable number => number.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
                _ => throw new ArgumentException($"No literal form for {value.GetType().Name}.", nameof(values)),
            };
            sql = sql.Replace("@" + name, literal, StringComparison.Ordinal);
        }

        return "-- sent with bind parameters; the values shown are this plan's\n" + sql;
    }

    /// <summary>Writes rejected records with PostgreSQL's binary COPY (there can be up to MAXERROR + 1 of them).</summary>
    public static async Task WriteErrorsAsync(NpgsqlConnection connection, IReadOnlyList<LoadError> errors, CancellationToken cancellationToken)
    {
        if (errors.Count == 0)
        {
            return;
        }

        var importer = await connection.BeginBinaryImportAsync(
            CopyErrorsSql, cancellationToken).ConfigureAwait(false);
        await using (importer.ConfigureAwait(false))
        {
            // Bounded only by the caller's cancellation, as the staging COPY (see PostgresStagingCopy).
            importer.Timeout = Timeout.InfiniteTimeSpan;
            foreach (var error in errors)
            {
                await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(error.RunId.ToString(), NpgsqlDbType.Varchar, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(error.Source, NpgsqlDbType.Varchar, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(error.LineNumber, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await WriteNullableAsync(importer, error.ColumnName, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(error.Reason, NpgsqlDbType.Varchar, cancellationToken).ConfigureAwait(false);
                await WriteNullableAsync(importer, error.RawLine, cancellationToken).ConfigureAwait(false);
            }

            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The rejects <c>load_errors</c> holds for a run, in the order they were recorded.</summary>
    public static async Task<IReadOnlyList<LoadError>> ReadErrorsAsync(NpgsqlConnection connection, Guid runId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT source, line_number, column_name, reason, raw_line FROM load_errors WHERE run_id = @run_id ORDER BY load_error_id",
            connection);
        command.Parameters.Add(new NpgsqlParameter("run_id", NpgsqlDbType.Varchar) { Value = runId.ToString() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var errors = new List<LoadError>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            errors.Add(new LoadError
            {
                RunId = runId,
                Source = reader.GetString(0),
                LineNumber = reader.GetInt64(1),
                ColumnName = reader.IsDBNull(2) ? null : reader.GetString(2),
                Reason = reader.GetString(3),
                RawLine = reader.IsDBNull(4) ? null : reader.GetString(4),
            });
        }

        return errors;
    }

    private static Task WriteNullableAsync(NpgsqlBinaryImporter importer, string? value, CancellationToken cancellationToken)
        => value is null ? importer.WriteNullAsync(cancellationToken) : importer.WriteAsync(value, NpgsqlDbType.Varchar, cancellationToken);

    // Columns are UTC "timestamp without time zone": Npgsql takes such values only with an unspecified kind.
    private static DateTime AsTimestamp(DateTime utc) => DateTime.SpecifyKind(utc.ToUniversalTime(), DateTimeKind.Unspecified);

    private static string? Truncate(string? text) => text is null ? null : Staging.Utf8Text.Truncate(text, Configuration.ColumnLengths.Message);
}
