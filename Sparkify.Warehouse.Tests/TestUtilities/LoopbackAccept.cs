using System.Net.Sockets;

namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>The accept loop of the tests' loopback proxies.</summary>
internal static class LoopbackAccept
{
    /// <summary>Hands every client <paramref name="listener"/> accepts to <paramref name="accepted"/> until <paramref name="stop"/> fires or the listener stops.</summary>
    public static async Task EachAsync(TcpListener listener, Action<TcpClient> accepted, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            accepted(client);
        }
    }
}
