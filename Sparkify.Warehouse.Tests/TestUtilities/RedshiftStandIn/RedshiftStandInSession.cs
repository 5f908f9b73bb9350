using System.Net.Sockets;

namespace Sparkify.Warehouse.Tests.TestUtilities.RedshiftStandIn;

/// <summary>
/// One client connection to the stand-in, relayed to its own PostgreSQL session. The client's
/// messages are read a request at a time (a simple Query, or extended-protocol messages up to Sync),
/// their SQL is rewritten, and the backend's answers are relayed until it is ready again; a COPY from
/// S3 is answered by the stand-in itself after it has staged the rows through the same session.
/// </summary>
internal sealed class RedshiftStandInSession(RedshiftStandIn standIn, TcpClient client) : IAsyncDisposable
{
    private readonly TcpClient _backend = new();
    private Stream _clientIn = Stream.Null;
    private Stream _clientOut = Stream.Null;
    private Stream _backendIn = Stream.Null;
    private Stream _backendOut = Stream.Null;
    private char _transactionStatus = 'I';
    private volatile CancellationTokenSource? _copyCancellation;

    public RedshiftStandIn StandIn => standIn;

    /// <summary>What <c>pg_last_copy_id()</c> answers: the query id of this session's last COPY, -1 before any.</summary>
    public long LastCopyId { get; set; } = -1;

    /// <summary>What <c>pg_last_copy_count()</c> answers: the rows the last COPY loaded.</summary>
    public long LastCopyCount { get; set; } = -1;

    public int BackendProcessId { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await _backend.ConnectAsync(standIn.BackendHost, standIn.BackendPort, cancellationToken);
        _clientIn = new BufferedStream(client.GetStream());
        _clientOut = new BufferedStream(client.GetStream());
        _backendIn = new BufferedStream(_backend.GetStream());
        _backendOut = new BufferedStream(_backend.GetStream());
        if (!await StartupAsync(cancellationToken))
        {
            return;
        }

        var faults = standIn.Faults;
        while (await ReadRequestAsync(cancellationToken) is { Count: > 0 } request)
        {
            if (request[^1].Kind == 'X')
            {
                await ForwardAsync(request, cancellationToken);
                return;
            }

            var plans = Plan(request, out var forwarded);
            if (plans.OfType<S3CopyStatement>().FirstOrDefault() is { } s3Copy)
            {
                using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                _copyCancellation = cancel;
                var answer = await new RedshiftCopyEmulation(this, faults).RunAsync(s3Copy.Command, plans.Count, cancel.Token);
                _copyCancellation = null;
                await AnswerAsync(request, answer, cancellationToken);
                continue;
            }

            var commits = plans.OfType<PassStatement>().Any(p => p.CommitsTransaction) && _transactionStatus == 'T';
            if (commits)
            {
                await BackendQueryAsync("COMMIT", cancellationToken);
            }

            await ForwardAsync(forwarded, cancellationToken);
            var ready = await RelayUntilReadyAsync(cancellationToken);
            if (commits)
            {
                // Redshift's TRUNCATE commits the transaction it runs in; the client's transaction
                // block goes on in a new transaction.
                await BackendQueryAsync("BEGIN", cancellationToken);
                ready = WireMessage.Of('Z', 'T');
            }

            await ready.WriteAsync(_clientOut, cancellationToken);
            await _clientOut.FlushAsync(cancellationToken);
        }
    }

    /// <summary>Runs one simple query on the backend, outside the client's view; returns the error, if any.</summary>
    public async Task<WireMessage?> BackendQueryAsync(string sql, CancellationToken cancellationToken, Func<WireMessage, Task>? onMessage = null)
    {
        await WireMessage.Of('Q', sql).WriteAsync(_backendOut, cancellationToken);
        await _backendOut.FlushAsync(cancellationToken);
        WireMessage? error = null;
        while (await WireMessage.ReadAsync(_backendIn, startup: false, cancellationToken) is { } message)
        {
            if (message.Kind == 'Z')
            {
                _transactionStatus = (char)message.Body[0];
                return error;
            }

            error = message.Kind == 'E' ? message : error;
            if (onMessage is not null)
            {
                await onMessage(message);
            }
        }

        throw new IOException("The backend closed the connection.");
    }

    /// <summary>Sends copy-in data to the backend (during <see cref="BackendQueryAsync"/>'s COPY FROM STDIN).</summary>
    public async Task SendToBackendAsync(WireMessage message, CancellationToken cancellationToken) => await message.WriteAsync(_backendOut, cancellationToken);

    public Task FlushBackendAsync(CancellationToken cancellationToken) => _backendOut.FlushAsync(cancellationToken);

    /// <summary>Cancels the COPY this session is running, if any (a client's cancel request).</summary>
    public void CancelCopy() => _copyCancellation?.Cancel();

    /// <summary>Ends the connection abruptly, as a network failure would.</summary>
    public void Drop()
    {
        client.Client.LingerState = new LingerOption(true, 0);
        client.Close();
        _backend.Close();
    }

    public async ValueTask DisposeAsync()
    {
        standIn.Unregister(this);
        client.Dispose();
        _backend.Dispose();
        await Task.CompletedTask;
    }

    private async Task<bool> StartupAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var startup = await WireMessage.ReadAsync(_clientIn, startup: true, cancellationToken);
            if (startup is null)
            {
                return false;
            }

            var code = startup.Int32At(0);
            if (code is WireMessage.SslRequestCode or WireMessage.GssEncRequestCode)
            {
                // No TLS to the stand-in: the client falls back to a plain connection (SSL Mode=Prefer).
                _clientOut.WriteByte((byte)'N');
                await _clientOut.FlushAsync(cancellationToken);
                continue;
            }

            await startup.WriteAsync(_backendOut, cancellationToken);
            await _backendOut.FlushAsync(cancellationToken);
            if (code == WireMessage.CancelRequestCode)
            {
                // The backend cancels a statement it runs; a COPY the stand-in runs is cancelled here.
                standIn.CancelCopy(startup.Int32At(4));
                return false;
            }

            break;
        }

        while (await WireMessage.ReadAsync(_backendIn, startup: false, cancellationToken) is { } message)
        {
            await Rewritten(message).WriteAsync(_clientOut, cancellationToken);
            await _clientOut.FlushAsync(cancellationToken);
            switch (message.Kind)
            {
                case 'R' when message.Int32At(0) is 3 or 5 or 10 or 11:
                    // The server asks for a password or the next SASL step: the client answers.
                    var answer = await WireMessage.ReadAsync(_clientIn, startup: false, cancellationToken);
                    if (answer is null)
                    {
                        return false;
                    }

                    await answer.WriteAsync(_backendOut, cancellationToken);
                    await _backendOut.FlushAsync(cancellationToken);
                    break;
                case 'K':
                    BackendProcessId = message.Int32At(0);
                    standIn.Register(this);
                    break;
                case 'E':
                    return false;
                case 'Z':
                    return true;
            }
        }

        return false;
    }

    /// <summary>Reads one request: a Query, a Terminate, or extended-protocol messages through Sync.</summary>
    private async Task<List<WireMessage>> ReadRequestAsync(CancellationToken cancellationToken)
    {
        var request = new List<WireMessage>();
        while (await WireMessage.ReadAsync(_clientIn, startup: false, cancellationToken) is { } message)
        {
            request.Add(message);
            if (message.Kind is 'Q' or 'S' or 'X')
            {
                break;
            }
        }

        return request;
    }

    /// <summary>Plans every statement of the request and builds the messages the backend gets instead.</summary>
    private List<StatementPlan> Plan(List<WireMessage> request, out List<WireMessage> forwarded)
    {
        var plans = new List<StatementPlan>();
        forwarded = [];
        foreach (var message in request)
        {
            if (message.Kind == 'P')
            {
                var (name, next) = message.CStringAt(0);
                var (sql, rest) = message.CStringAt(next);
                var tokens = SqlTokens.Tokenize(sql);
                var plan = PlanOne(tokens, sql);
                plans.Add(plan);
                forwarded.Add(WireMessage.Of('P', name, BackendSql(plan, tokens), message.Body[rest..]));
            }
            else if (message.Kind == 'Q')
            {
                var (sql, _) = message.CStringAt(0);
                var statements = new List<string>();
                foreach (var tokens in SqlTokens.Statements(sql))
                {
                    var plan = PlanOne(tokens, SqlTokens.Join(tokens));
                    plans.Add(plan);
                    statements.Add(BackendSql(plan, tokens));
                }

                forwarded.Add(WireMessage.Of('Q', string.Join(";\n", statements)));
            }
            else
            {
                forwarded.Add(message);
            }
        }

        return plans;
    }

    private StatementPlan PlanOne(List<SqlToken> tokens, string sql)
    {
        standIn.Received(sql);
        return standIn.Faults.TakeSerializationFailure(sql)
            ? new RefuseStatement("1023", "XX000", "Serializable isolation violation on table - 100234, transactions forming the cycle are: 5511, 5512 (pid:" + BackendProcessId + ");")
            : RedshiftSqlRewriter.Plan(tokens, this);
    }

    private static string BackendSql(StatementPlan plan, List<SqlToken> tokens) => plan switch
    {
        PassStatement pass => pass.Sql,
        RefuseStatement refuse => RedshiftSqlRewriter.RaiseSql(refuse, RedshiftSqlRewriter.ParameterCount(tokens)),
        _ => "SELECT 1",
    };

    /// <summary>Answers a request the stand-in ran itself: one reply per client message, then ReadyForQuery.</summary>
    private async Task AnswerAsync(List<WireMessage> request, CopyAnswer answer, CancellationToken cancellationToken)
    {
        foreach (var notice in answer.Notices)
        {
            await notice.WriteAsync(_clientOut, cancellationToken);
        }

        if (answer.Error is { } error)
        {
            await error.WriteAsync(_clientOut, cancellationToken);
        }
        else
        {
            foreach (var message in request)
            {
                var reply = message.Kind switch
                {
                    'P' => WireMessage.Of('1'),
                    'B' => WireMessage.Of('2'),
                    'D' => WireMessage.Of('n'),
                    'C' => WireMessage.Of('3'),
                    'E' or 'Q' => WireMessage.Of('C', answer.Tag),
                    _ => null,
                };
                if (reply is not null)
                {
                    if (message.Kind == 'D' && message.Body[0] == 'S')
                    {
                        await WireMessage.Of('t', (short)0).WriteAsync(_clientOut, cancellationToken);
                    }

                    await reply.WriteAsync(_clientOut, cancellationToken);
                }
            }
        }

        await WireMessage.Of('Z', _transactionStatus).WriteAsync(_clientOut, cancellationToken);
        await _clientOut.FlushAsync(cancellationToken);
    }

    private async Task ForwardAsync(List<WireMessage> messages, CancellationToken cancellationToken)
    {
        foreach (var message in messages)
        {
            await message.WriteAsync(_backendOut, cancellationToken);
        }

        await _backendOut.FlushAsync(cancellationToken);
    }

    /// <summary>Relays the backend's answers to the client; returns ReadyForQuery unsent.</summary>
    private async Task<WireMessage> RelayUntilReadyAsync(CancellationToken cancellationToken)
    {
        while (await WireMessage.ReadAsync(_backendIn, startup: false, cancellationToken) is { } message)
        {
            if (message.Kind == 'Z')
            {
                _transactionStatus = (char)message.Body[0];
                return message;
            }

            await Rewritten(message).WriteAsync(_clientOut, cancellationToken);
        }

        throw new IOException("The backend closed the connection.");
    }

    /// <summary>The backend's message as Redshift would send it: Redshift reports server version 8.0.2.</summary>
    private static WireMessage Rewritten(WireMessage message)
        => message.Kind == 'S' && message.CStringAt(0).Text == "server_version" ? WireMessage.ParameterStatus("server_version", "8.0.2") : message;
}
