using System.Buffers;
using System.Net.WebSockets;

namespace Tunnel.Shared.Streams;

/// <summary>
/// Carries a byte stream over a WebSocket as binary messages, both ways, for TCP services: the edge between the
/// WebSocket and a tunnel stream, `tunnel access` between the WebSocket and a local connection. The end of the
/// stream sends a Close; a Close from the peer is answered and ends the pump.
/// </summary>
public static class WebSocketStreamPump
{
    private const int BufferSize = 64 * 1024;

    /// <summary>Returns true when the session ended with a closing handshake, false when the connection broke.</summary>
    public static async Task<bool> RunAsync(WebSocket socket, Stream stream, CancellationToken cancellationToken)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var fromSocket = Task.Run(() => SocketToStreamAsync(socket, stream, done.Token), CancellationToken.None);
        var toSocket = Task.Run(() => StreamToSocketAsync(stream, socket, done.Token), CancellationToken.None);

        // The session is over when the peer's Close arrives (or the socket breaks), or when our side breaks.
        var first = await Task.WhenAny(fromSocket, toSocket);
        if (first == toSocket && toSocket.IsCompletedSuccessfully)
        {
            await ((Task)fromSocket).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing); // we sent Close: wait for the answer
        }

        await done.CancelAsync();
        await Task.WhenAll(fromSocket, toSocket).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return fromSocket.IsCompletedSuccessfully && fromSocket.Result;
    }

    private static async Task<bool> SocketToStreamAsync(WebSocket socket, Stream stream, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (socket.State == WebSocketState.CloseReceived)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "closed", cancellationToken);
                    }

                    return true;
                }

                await stream.WriteAsync(buffer.AsMemory(0, result.Count), cancellationToken);
                await stream.FlushAsync(cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task StreamToSocketAsync(Stream stream, WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await socket.SendAsync(buffer.AsMemory(0, n), WebSocketMessageType.Binary, true, cancellationToken);
            }

            if (socket.State == WebSocketState.Open)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "closed by the other end", cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
