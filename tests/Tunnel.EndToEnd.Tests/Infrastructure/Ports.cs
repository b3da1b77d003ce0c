using System.Net;
using System.Net.Sockets;

namespace Tunnel.EndToEnd.Tests.Infrastructure;

public static class Ports
{
    // Below the kernel's ephemeral range (32768+), so outgoing connections of the tests never take a port
    // between our probe and the server's bind; each test process walks its own random stretch of it.
    private const int First = 10_000, Last = 32_000;
    private static int _next = Random.Shared.Next(First, Last);

    /// <summary>A loopback port that was free a moment ago and that no outgoing connection will take.</summary>
    public static int Free()
    {
        while (true)
        {
            var port = First + (int)((uint)Interlocked.Increment(ref _next) % (Last - First));
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try the next one.
            }
        }
    }
}
