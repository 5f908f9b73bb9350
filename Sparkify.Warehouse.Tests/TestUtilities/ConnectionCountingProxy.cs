using System.Net;
using System.Net.Sockets;

namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>
/// A loopback TCP proxy in front of a local server that counts how many client connections are open at
/// once. HTTP/1.1 clients open a new pooled connection only when every open one is busy, so the peak
/// is how many requests were ever in flight together. Each reply chunk is held back a little, as a
/// remote store's latency would, so that requests issued together really do overlap.
/// </summary>
public sealed class ConnectionCountingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _target;
    private readonly TimeSpan _latency;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Lock _gate = new();
    private readonly Task _accepting;
    private int _open;
    private int _peak;
    private int _total;

    public ConnectionCountingProxy(string targetUrl, TimeSpan latency)
    {
        _target = new Uri(targetUrl);
        _latency = latency;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>The most connections that were open at the same time.</summary>
    public int PeakOpenConnections => Volatile.Read(ref _peak);

    /// <summary>Connections accepted in all.</summary>
    public int TotalConnections => Volatile.Read(ref _total);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await Task.WhenAll([_accepting, .. Snapshot()]).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private Task[] Snapshot()
    {
        lock (_gate)
        {
            return [.. _connections];
        }
    }

    private Task AcceptAsync() => LoopbackAccept.EachAsync(_listener, Accepted, _stop.Token);

    private void Accepted(TcpClient client)
    {
        var open = Interlocked.Increment(ref _open);
        Interlocked.Increment(ref _total);
        int peak;
        while (open > (peak = Volatile.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, open, peak) != peak)
        {
        }

        lock (_gate)
        {
            _connections.Add(RelayAsync(client));
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        try
        {
            using (client)
            using (var server = new TcpClient())
            {
                await server.ConnectAsync(_target.Host, _target.Port, _stop.Token);
                var clientStream = client.GetStream();
                var serverStream = server.GetStream();
                var up = PumpAsync(clientStream, serverStream, TimeSpan.Zero);
                var down = PumpAsync(serverStream, clientStream, _latency);
                await Task.WhenAny(up, down);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The client or the server went away; the connection is over either way.
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }

    private async Task PumpAsync(Stream from, Stream to, TimeSpan latency)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
        {
            if (latency > TimeSpan.Zero)
            {
                await Task.Delay(latency, _stop.Token);
            }

            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }
}
