using System.Net;
using System.Net.Sockets;
using Amazon.S3;
using Npgsql;

namespace Sparkify.Warehouse.Tests.TestUtilities.RedshiftStandIn;

/// <summary>
/// A stand-in for an Amazon Redshift cluster (or Serverless workgroup): a PostgreSQL wire-protocol
/// proxy on 127.0.0.1 in front of a database of the test run's PostgreSQL. Clients connect with
/// Npgsql to <see cref="ConnectionString"/> and meet Redshift's dialect: its DDL is accepted, what
/// Redshift refuses is refused with its message, TRUNCATE commits, <c>COPY … FROM 's3://…'</c> loads
/// JSON from the test's S3 server with Redshift's rules and records rejects in
/// <c>stl_load_errors</c> / <c>sys_load_error_detail</c>. What it cannot imitate is listed in the
/// README ("What is verified, and what is not").
/// </summary>
public sealed class RedshiftStandIn : IAsyncDisposable
{
    private const string ProvisionSql =
        """
        CREATE FUNCTION redshift_standin_raise(message text, sqlstate text, detail text) RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
            IF detail = '' THEN
                RAISE EXCEPTION USING MESSAGE = message, ERRCODE = sqlstate;
            END IF;
            RAISE EXCEPTION USING MESSAGE = message, ERRCODE = sqlstate, DETAIL = detail;
        END $$;
        -- Redshift's clock function: the current statement's start, in UTC, without time zone.
        CREATE FUNCTION getdate() RETURNS timestamp LANGUAGE sql STABLE AS $$ SELECT statement_timestamp() AT TIME ZONE 'UTC' $$;
        CREATE TABLE stl_load_errors (
            userid integer, slice integer, tbl integer, starttime timestamp, session integer, query integer,
            filename character(256), line_number bigint, colname character(127), type character(10),
            col_length character(10), position integer, raw_line character(1024), raw_field_value character(1024),
            err_code integer, err_reason character(100), is_partial integer, start_offset bigint);
        CREATE TABLE sys_load_error_detail (
            user_id integer, query_id bigint, transaction_id bigint, session_id integer, database_name character(128),
            table_id integer, start_time timestamp, file_name character(1280), line_number bigint,
            column_name character(127), column_type character(128), column_length character(10), position integer,
            error_code integer, error_message character(512));
        """;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _sessions = [];
    private readonly Lock _gate = new();
    private readonly NpgsqlDataSource _database;
    private Task _accepting = Task.CompletedTask;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _statements = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, RedshiftStandInSession> _byProcessId = new();
    private long _queryId = 100_000;

    private RedshiftStandIn(string databaseConnectionString, IAmazonS3 s3)
    {
        DatabaseConnectionString = databaseConnectionString;
        S3 = s3;
        _database = NpgsqlDataSource.Create(databaseConnectionString);
        var backend = new NpgsqlConnectionStringBuilder(databaseConnectionString);
        BackendHost = backend.Host!;
        BackendPort = backend.Port;
    }

    /// <summary>
    /// Connects to "Redshift": the stand-in's port, the database's name and credentials, no pooling, and
    /// TLS explicitly off (the stand-in speaks none; Redshift connections otherwise default to VerifyFull).
    /// </summary>
    public string ConnectionString => new NpgsqlConnectionStringBuilder(DatabaseConnectionString)
    {
        Host = "127.0.0.1",
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port,
        Pooling = false,
        SslMode = SslMode.Disable,
    }.ConnectionString;

    /// <summary>The PostgreSQL database behind the stand-in, for reading what a test left there directly.</summary>
    public string DatabaseConnectionString { get; }

    /// <summary>
    /// Redshift Serverless instead of a provisioned cluster: no <c>stl_*</c> relation exists (a statement
    /// naming one fails with "relation … does not exist"); rejects go to <c>sys_load_error_detail</c> only.
    /// </summary>
    public bool Serverless { get; set; }

    /// <summary>Every statement clients sent, as they sent it, in arrival order (across sessions).</summary>
    public IReadOnlyCollection<string> Statements => _statements;

    /// <summary>Faults to inject.</summary>
    public StandInFaults Faults { get; } = new();

    internal IAmazonS3 S3 { get; }

    internal string BackendHost { get; }

    internal int BackendPort { get; }

    /// <summary>Starts a stand-in over a new, empty database that reads COPY sources through <paramref name="s3"/>.</summary>
    public static async Task<RedshiftStandIn> StartAsync(IAmazonS3 s3)
    {
        var database = await TestPostgres.CreateDatabaseAsync("redshift");
        var standIn = new RedshiftStandIn(database, s3);
        await using (var command = standIn._database.CreateCommand(ProvisionSql))
        {
            await command.ExecuteNonQueryAsync();
        }

        standIn._listener.Start();
        standIn._accepting = standIn.AcceptAsync();
        return standIn;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] sessions;
        lock (_gate)
        {
            sessions = [.. _sessions];
        }

        await Task.WhenAll([_accepting, .. sessions]).ContinueWith(_ => { }, TaskScheduler.Default);
        await _database.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(DatabaseConnectionString);
        _stop.Dispose();
    }

    internal void Register(RedshiftStandInSession session) => _byProcessId[session.BackendProcessId] = session;

    internal void Unregister(RedshiftStandInSession session) => _byProcessId.TryRemove(new KeyValuePair<int, RedshiftStandInSession>(session.BackendProcessId, session));

    internal void CancelCopy(int backendProcessId)
    {
        if (_byProcessId.TryGetValue(backendProcessId, out var session))
        {
            session.CancelCopy();
        }
    }

    internal void Received(string sql) => _statements.Enqueue(sql);

    internal long NextQueryId() => Interlocked.Increment(ref _queryId);

    /// <summary>The COPY's target columns in load order: the column list, or the table's columns.</summary>
    internal async Task<IReadOnlyList<TargetColumn>> ColumnsAsync(string table, IReadOnlyList<string>? names, CancellationToken cancellationToken)
    {
        await using var command = _database.CreateCommand(
            """
            SELECT column_name, data_type, character_maximum_length, is_nullable = 'YES'
            FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = table });
        var all = new List<TargetColumn>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                all.Add(new TargetColumn(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt32(2), reader.GetBoolean(3)));
            }
        }

        if (all.Count == 0)
        {
            throw new CopyFailedException($"relation \"{table}\" does not exist", "42P01");
        }

        return names is null ? all : [.. names.Select(n => all.FirstOrDefault(c => c.Name == n) ?? throw new CopyFailedException($"column \"{n}\" of relation \"{table}\" does not exist", "42703"))];
    }

    /// <summary>Records a COPY's rejects in the error views, committed at once (a later rollback of the COPY keeps them).</summary>
    internal async Task RecordRejectsAsync(long queryId, int session, string table, IReadOnlyList<LoadReject> rejects, CancellationToken cancellationToken)
    {
        if (rejects.Count == 0)
        {
            return;
        }

        await using var batch = _database.CreateBatch();
        foreach (var reject in rejects)
        {
            var length = reject.ColumnLength?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "0";
            if (!Serverless)
            {
                batch.BatchCommands.Add(Insert(
                    "INSERT INTO stl_load_errors (userid, slice, tbl, starttime, session, query, filename, line_number, colname, type, col_length, position, raw_line, raw_field_value, err_code, err_reason, is_partial, start_offset) "
                    + "VALUES (100, 0, to_regclass($1)::oid::integer, (now() AT TIME ZONE 'UTC'), $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11, $12, 0, 0)",
                    table, session, (int)queryId, Left(reject.FileName, 256), reject.LineNumber, Left(reject.ColumnName, 127), Left(RedshiftTypeName(reject.ColumnType), 10), length,
                    Left(reject.RawLine, 1024), Left(reject.RawFieldValue, 1024), reject.ErrorCode, Left(reject.Reason, 100)));
            }

            batch.BatchCommands.Add(Insert(
                "INSERT INTO sys_load_error_detail (user_id, query_id, transaction_id, session_id, database_name, table_id, start_time, file_name, line_number, column_name, column_type, column_length, position, error_code, error_message) "
                + "VALUES (100, $2, 0, $3, current_database(), to_regclass($1)::oid::integer, (now() AT TIME ZONE 'UTC'), $4, $5, $6, $7, $8, 0, $9, $10)",
                table, queryId, session, Left(reject.FileName, 1280), reject.LineNumber, Left(reject.ColumnName, 127), Left(RedshiftTypeName(reject.ColumnType), 128), length,
                reject.ErrorCode, Left(reject.Reason, 512)));
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlBatchCommand Insert(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return command;
    }

    /// <summary>The type names Redshift's error views show (PostgreSQL's internal names).</summary>
    private static string RedshiftTypeName(string dataType) => dataType switch
    {
        "character varying" => "varchar",
        "character" => "char",
        "smallint" => "int2",
        "integer" => "int4",
        "bigint" => "int8",
        "real" => "float4",
        "double precision" => "float8",
        "boolean" => "bool",
        "timestamp without time zone" => "timestamp",
        _ => dataType,
    };

    private static string Left(string text, int length) => text.Length <= length ? text : text[..length];

    private Task AcceptAsync() => LoopbackAccept.EachAsync(_listener, Accepted, _stop.Token);

    private void Accepted(TcpClient client)
    {
        lock (_gate)
        {
            _sessions.RemoveAll(s => s.IsCompleted);
            _sessions.Add(RunSessionAsync(client));
        }
    }

    private async Task RunSessionAsync(TcpClient client)
    {
        await using var session = new RedshiftStandInSession(this, client);
        try
        {
            await session.RunAsync(_stop.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The client or the backend went away (or a test asked for a dropped connection).
        }
    }
}
