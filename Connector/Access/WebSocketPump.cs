using System.Buffers;
using System.Net.WebSockets;

namespace Tunnel.Connector.Access;

/// <summary>Copies bytes between a local stream and the edge's WebSocket until either side ends.</summary>
public static class WebSocketPump
{
    private const int BufferSize = 64 * 1024;

    public static async Task RunAsync(WebSocket socket, Stream local, CancellationToken cancellationToken)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var up = Task.Run(async () =>
        {
            var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                int n;
                while ((n = await local.ReadAsync(buffer, done.Token)) > 0)
                {
                    await socket.SendAsync(buffer.AsMemory(0, n), WebSocketMessageType.Binary, true, done.Token);
                }

                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "client closed", done.Token);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }, CancellationToken.None);
        var down = Task.Run(async () =>
        {
            var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                while (true)
                {
                    var result = await socket.ReceiveAsync(buffer.AsMemory(), done.Token);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    await local.WriteAsync(buffer.AsMemory(0, result.Count), done.Token);
                    await local.FlushAsync(done.Token);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }, CancellationToken.None);

        // The service closing ends the session; the local side closing waits for the service's close.
        await down.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await done.CancelAsync();
        await up.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (down.IsFaulted && down.Exception?.GetBaseException() is WebSocketException ex && !cancellationToken.IsCancellationRequested)
        {
            throw new Cli.CliException($"the tunnel connection broke: {ex.Message}");
        }
    }
}
