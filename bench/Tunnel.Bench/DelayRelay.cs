using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

/// <summary>
/// A TCP relay that adds a fixed one-way delay in each direction and limits nothing else: a wide-area leg on
/// loopback. Each read is stamped on arrival and written once its time has come. The queue is unbounded, so the
/// sender's TCP window never closes on the relay: what a path loses over it is its own protocol's flow control
/// (HTTP/2 or SSH channel windows) and round trips, not the relay. The TCP handshake itself is not delayed (the relay
/// accepts at once), so a new connection costs one round trip less than over a real wide-area link.
/// </summary>
internal static class DelayRelay
{
    private const int BufferBytes = 4 * 1024 * 1024; // socket buffers: never the window on a 50 ms round trip
    private const int ReadBytes = 256 * 1024;

    public static async Task<int> RunAsync(int port, string target, int oneWayMs)
    {
        var targetEndpoint = IPEndPoint.Parse(target);
        var delay = Stopwatch.Frequency * oneWayMs / 1000;
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Tune(listener); // accepted sockets inherit the buffers, so the window scale is negotiated for them
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        listener.Listen(512);
        while (true)
        {
            var client = await listener.AcceptAsync();
            _ = RelayAsync(client, targetEndpoint, delay);
        }
    }

    private static void Tune(Socket socket)
    {
        socket.NoDelay = true;
        socket.ReceiveBufferSize = BufferBytes;
        socket.SendBufferSize = BufferBytes;
    }

    private static async Task RelayAsync(Socket client, IPEndPoint target, long delay)
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using (client)
        using (var broken = new CancellationTokenSource())
        {
            Tune(client);
            Tune(server);
            try
            {
                await server.ConnectAsync(target);
            }
            catch (SocketException)
            {
                return;
            }

            // A reset either way ends both directions: disposing the sockets wakes whichever side is waiting.
            using var closeBoth = broken.Token.Register(() =>
            {
                client.Dispose();
                server.Dispose();
            });
            await Task.WhenAll(PumpAsync(client, server, delay, broken), PumpAsync(server, client, delay, broken));
        }
    }

    /// <summary>One direction: a reader that stamps and queues, a writer that sends each chunk when it is due.</summary>
    private static async Task PumpAsync(Socket from, Socket to, long delay, CancellationTokenSource broken)
    {
        var queue = Channel.CreateUnbounded<Chunk>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var writer = WriteAsync(queue.Reader, to, broken);
        var buffer = new byte[ReadBytes];
        try
        {
            int n;
            while ((n = await from.ReceiveAsync(buffer, SocketFlags.None, broken.Token)) > 0)
            {
                // A copy of exactly what arrived: small reads must not each hold a whole read buffer for the delay.
                var data = ArrayPool<byte>.Shared.Rent(n);
                buffer.AsSpan(0, n).CopyTo(data);
                queue.Writer.TryWrite(new Chunk(data, n, Stopwatch.GetTimestamp() + delay));
            }

            queue.Writer.TryWrite(new Chunk(null, 0, Stopwatch.GetTimestamp() + delay)); // the FIN is delayed too
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            broken.Cancel();
        }

        queue.Writer.TryComplete();
        await writer;
    }

    private static async Task WriteAsync(ChannelReader<Chunk> queue, Socket to, CancellationTokenSource broken)
    {
        try
        {
            await foreach (var chunk in queue.ReadAllAsync(broken.Token))
            {
                var wait = chunk.Due - Stopwatch.GetTimestamp();
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), broken.Token);
                }

                if (chunk.Data is null)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                for (var sent = 0; sent < chunk.Length;)
                {
                    sent += await to.SendAsync(chunk.Data.AsMemory(sent, chunk.Length - sent), SocketFlags.None, broken.Token);
                }

                ArrayPool<byte>.Shared.Return(chunk.Data);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            broken.Cancel();
        }
    }

    /// <summary>Bytes read at one time, and when they may go on (Stopwatch ticks); no data: the sender's FIN.</summary>
    private readonly record struct Chunk(byte[]? Data, int Length, long Due);
}
