using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>What <see cref="FaultyS3Proxy"/> does with one request.</summary>
internal abstract record ProxyAction
{
    /// <summary>Pass the request to s3rver and its answer back.</summary>
    public static ProxyAction Forward { get; } = new ForwardAction(Truncate: false);

    /// <summary>Pass it on, but drop the connection after half of the response body and stop listening: the server died mid-download.</summary>
    public static ProxyAction DieMidBody { get; } = new ForwardAction(Truncate: true);

    /// <summary>Answer with an S3 error document instead.</summary>
    public static ProxyAction Error(HttpStatusCode status, string code) => new ErrorAction(status, code);

    internal sealed record ForwardAction(bool Truncate) : ProxyAction;

    internal sealed record ErrorAction(HttpStatusCode Status, string Code) : ProxyAction;
}

/// <summary>
/// An S3 endpoint on 127.0.0.1 that stands between the loader and a real s3rver and misbehaves on cue:
/// 5xx or 403 answers, a response cut off mid-body, or no server at all after <see cref="Stop"/>. The
/// S3 SDK on the other side is the real one, so its retries are what the tests observe.
/// </summary>
internal sealed class FaultyS3Proxy : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HttpClient _upstream = new() { Timeout = TimeSpan.FromMinutes(1) };
    private readonly Func<int, HttpListenerRequest, ProxyAction> _decide;
    private readonly Uri _target;
    private readonly Task _accepting;
    private readonly List<string> _log = [];
    private int _requests;

    /// <param name="upstream">The s3rver endpoint, e.g. <c>http://127.0.0.1:41234</c>.</param>
    /// <param name="decide">Given the 1-based request number and the request, what to do with it.</param>
    public FaultyS3Proxy(string upstream, Func<int, HttpListenerRequest, ProxyAction> decide)
    {
        _target = new Uri(upstream);
        _decide = decide;
        var port = FreePort();
        ServiceUrl = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(ServiceUrl + "/");
        _listener.Start();
        _accepting = Task.Run(AcceptAsync);
    }

    public string ServiceUrl { get; }

    /// <summary>Requests received so far.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>"N METHOD /path → action" per request, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return string.Join('\n', _log);
            }
        }
    }

    /// <summary>Stops listening: from now on connections are refused, as when the S3 server is down.</summary>
    public void Stop()
    {
        if (_listener.IsListening)
        {
            _listener.Stop();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Stop();
        _listener.Close();
        await _accepting;
        _upstream.Dispose();
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private async Task AcceptAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var number = Interlocked.Increment(ref _requests);
        var action = _decide(number, context.Request);
        lock (_log)
        {
            _log.Add($"{number} {context.Request.HttpMethod} {context.Request.RawUrl} → {action}");
        }

        try
        {
            switch (action)
            {
                case ProxyAction.ErrorAction error:
                    await RespondWithErrorAsync(context.Response, error);
                    break;
                case ProxyAction.ForwardAction forward:
                    await ForwardAsync(context, forward.Truncate);
                    break;
            }
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or HttpRequestException)
        {
            // The client hung up, or the proxy was stopped mid-request.
            context.Response.Abort();
        }
    }

    private static async Task RespondWithErrorAsync(HttpListenerResponse response, ProxyAction.ErrorAction error)
    {
        var body = Encoding.UTF8.GetBytes(
            $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{error.Code}</Code><Message>injected by the test proxy</Message><RequestId>proxy</RequestId></Error>");
        response.StatusCode = (int)error.Status;
        response.ContentType = "application/xml";
        response.ContentLength64 = body.Length;
        await response.OutputStream.WriteAsync(body);
        response.Close();
    }

    private async Task ForwardAsync(HttpListenerContext context, bool cutBody)
    {
        var request = context.Request;
        using var outgoing = new HttpRequestMessage(new HttpMethod(request.HttpMethod), new Uri(_target, request.RawUrl));
        foreach (var name in request.Headers.AllKeys.OfType<string>())
        {
            if (!name.Equals("Host", StringComparison.OrdinalIgnoreCase) && !name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                outgoing.Headers.TryAddWithoutValidation(name, request.Headers.GetValues(name) ?? []);
            }
        }

        using var answer = await _upstream.SendAsync(outgoing, HttpCompletionOption.ResponseHeadersRead);
        var body = await answer.Content.ReadAsByteArrayAsync();
        var response = context.Response;
        response.StatusCode = (int)answer.StatusCode;
        foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers))
        {
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                response.ContentType = string.Join(", ", values);
            }
            else if (!name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && !name.Equals("Connection", StringComparison.OrdinalIgnoreCase)
                     && !name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase) && !name.Equals("Date", StringComparison.OrdinalIgnoreCase))
            {
                response.Headers[name] = string.Join(", ", values);
            }
        }

        response.ContentLength64 = body.Length;
        if (cutBody)
        {
            await response.OutputStream.WriteAsync(body.AsMemory(0, body.Length / 2));
            await response.OutputStream.FlushAsync();
            response.Abort();
            Stop();
            return;
        }

        await response.OutputStream.WriteAsync(body);
        response.Close();
    }
}
