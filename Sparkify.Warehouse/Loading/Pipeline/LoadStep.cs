using Npgsql;
using Sparkify.Warehouse.Telemetry;

namespace Sparkify.Warehouse.Loading.Pipeline;

/// <summary>
/// One step of a <see cref="LoadPlan"/>: a statement the run sends through its <see cref="ILoadExecutor"/>
/// (the text <c>--dry-run</c> prints is the text sent), or client work without SQL (listing files,
/// checking the reject budget), which the dry-run does not print.
/// </summary>
internal sealed record LoadStep
{
    private readonly Func<ILoadExecutor, LoadStep, CancellationToken, Task> _run;

    private LoadStep(string? sql, Func<ILoadExecutor, LoadStep, CancellationToken, Task> run)
    {
        Sql = sql;
        _run = run;
    }

    /// <summary>The statement sent, without a terminating semicolon; null for client work.</summary>
    public string? Sql { get; }

    /// <summary>Bind parameters, computed when the step runs (or is printed): counts and times are the run's.</summary>
    public Func<IReadOnlyList<NpgsqlParameter>> Parameters { get; init; } = static () => [];

    /// <summary>
    /// What the dry-run says about the step beyond its SQL: when the run skips it, or what it decides
    /// from data the dry-run cannot read without connecting.
    /// </summary>
    public string? Note { get; init; }

    /// <summary>The phase of the load (its telemetry span) that begins with this step; null: the step continues the current one.</summary>
    public LoadPhase? Phase { get; init; }

    /// <summary>Whether the run sends the step, decided when its turn comes; null: always.</summary>
    public Func<bool>? When { get; init; }

    /// <summary>
    /// For a step made by <see cref="Batchable"/>, what takes its result when it is sent in a batch; null
    /// for every other step, which is sent on its own.
    /// </summary>
    public Action<StatementResult>? BatchResult { get; private init; }

    /// <summary>For a <see cref="Batchable"/> step: it returns one row of counts.</summary>
    public bool ReturnsCounts { get; private init; }

    /// <summary>A statement whose affected-row count goes to <paramref name="affected"/>.</summary>
    public static LoadStep Statement(string sql, Action<int>? affected = null)
        => new(sql, async (executor, step, ct) =>
        {
            var rows = await executor.ExecuteAsync(step.Sql!, step.Parameters(), ct).ConfigureAwait(false);
            affected?.Invoke(rows);
        });

    /// <summary>A query whose single value goes to <paramref name="value"/>.</summary>
    public static LoadStep Query(string sql, Action<object?> value)
        => new(sql, async (executor, step, ct) => value(await executor.ScalarAsync(step.Sql!, step.Parameters(), ct).ConfigureAwait(false)));

    /// <summary>A streaming <c>COPY ... FROM STDIN</c>; <paramref name="copy"/> sends <paramref name="sql"/> on the connection it is given.</summary>
    public static LoadStep Copy(string sql, Func<NpgsqlConnection, CancellationToken, Task> copy)
        => new(sql, (executor, step, ct) => executor.CopyAsync(step.Sql!, async connection =>
        {
            await copy(connection, ct).ConfigureAwait(false);
            return true;
        }));

    /// <summary>
    /// A statement that goes to the server in one round trip with the batchable steps that follow it
    /// (up to the next step that begins a phase; see <see cref="ILoadExecutor.ExecuteBatchAsync"/>):
    /// its text and parameters need no result of theirs, and whether each of them runs (<see cref="When"/>)
    /// is decided before any of them is sent. <paramref name="result"/> receives what it did.
    /// </summary>
    public static LoadStep Batchable(string sql, Action<StatementResult>? result = null, bool returnsCounts = false)
    {
        var taken = result ?? (static _ => { });
        return new(sql, async (executor, step, ct) => taken((await executor.ExecuteBatchAsync([step.ToBatched()], ct).ConfigureAwait(false))[0]))
        {
            BatchResult = taken,
            ReturnsCounts = returnsCounts,
        };
    }

    /// <summary>Any other statement the executor runs.</summary>
    public static LoadStep Custom(string sql, Func<ILoadExecutor, CancellationToken, Task> run)
        => new(sql, (executor, _, ct) => run(executor, ct));

    /// <summary>Client work between statements; no SQL, not printed.</summary>
    public static LoadStep Client(Func<CancellationToken, Task> run)
        => new(null, (_, _, ct) => run(ct));

    public Task RunAsync(ILoadExecutor executor, CancellationToken cancellationToken) => _run(executor, this, cancellationToken);

    /// <summary>The statement as a batch sends it, with its parameters as of now.</summary>
    public BatchedStatement ToBatched() => new(Sql!, Parameters(), ReturnsCounts);

    /// <summary>The step as the dry-run prints it: parameters written in as literals, the note as a comment.</summary>
    public string Display()
    {
        var parameters = Parameters();
        var sql = parameters.Count == 0
            ? Sql!
            : LoadRunLog.Preview(Sql!, parameters.ToDictionary(p => p.ParameterName, p => p.Value is DBNull ? null : p.Value));
        // Above the statement, so the semicolon a printed plan puts after it stays outside the comment.
        return Note is null ? sql : "-- " + Note + "\n" + sql;
    }
}
