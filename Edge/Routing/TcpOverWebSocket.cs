using System.Buffers;
using System.Net.WebSockets;
using Tunnel.Edge.Config;
using Yarp.ReverseProxy.Model;

namespace Tunnel.Edge.Routing;

/// <summary>
/// Hostnames whose rule is a TCP service (tcp://, ssh://, rdp://) are reached by `tunnel access`: it opens a
/// WebSocket here, and the edge pipes its binary messages to a tunnel stream to that service, bytes unchanged.
/// </summary>
public static class TcpOverWebSocket
{
    private const int BufferSize = 64 * 1024;

    public static async Task AnswerTcpRules(HttpContext context, Func<Task> next)
    {
        var metadata = context.GetReverseProxyFeature().Route.Config.Metadata;
        if (metadata?.GetValueOrDefault(TunnelRouteMetadata.TcpService) is not { } service)
        {
            await next();
            return;
        }

        var tunnelId = metadata[TunnelRouteMetadata.TunnelId];
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await ErrorPages.WriteAsync(context, StatusCodes.Status400BadRequest, "tcp_service", "TCP service",
                $"{context.Request.Host.Host} serves a TCP service ({service.Split("://")[0]}). Reach it with " +
                $"`tunnel access tcp --hostname {context.Request.Host.Host} --url 127.0.0.1:PORT`.");
            return;
        }

        Stream upstream;
        try
        {
            upstream = await context.RequestServices.GetRequiredService<TunnelDialer>().OpenAsync(tunnelId, service, context.RequestAborted);
        }
        catch (TunnelUnavailableException ex)
        {
            var name = context.RequestServices.GetRequiredService<ConfigStore>().FindTunnel(tunnelId)?.Name ?? tunnelId;
            await ErrorPages.TunnelOfflineAsync(context, name, ex.Message);
            return;
        }
        catch (OriginUnreachableException ex)
        {
            await ErrorPages.WriteAsync(context, StatusCodes.Status502BadGateway, "origin_unreachable", "Origin unreachable",
                $"The connector could not reach {service}: {ex.Message}");
            return;
        }

        await using (upstream)
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await PumpAsync(socket, upstream, context.RequestAborted);
        }
    }

    /// <summary>Copies both ways until either side ends; a clean end on one side closes the other cleanly.</summary>
    public static async Task PumpAsync(WebSocket socket, Stream stream, CancellationToken cancellationToken)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var toStream = Task.Run(async () =>
        {
            var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                while (true)
                {
                    var result = await socket.ReceiveAsync(buffer.AsMemory(), done.Token);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        // Complete the closing handshake, so the client sees a clean end.
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "closed", done.Token);
                        return;
                    }

                    await stream.WriteAsync(buffer.AsMemory(0, result.Count), done.Token);
                    await stream.FlushAsync(done.Token);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }, CancellationToken.None);

        var fromStream = Task.Run(async () =>
        {
            var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                int n;
                while ((n = await stream.ReadAsync(buffer, done.Token)) > 0)
                {
                    await socket.SendAsync(buffer.AsMemory(0, n), WebSocketMessageType.Binary, true, done.Token);
                }

                if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "closed by the other end", done.Token);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }, CancellationToken.None);

        try
        {
            await Task.WhenAny(toStream, fromStream);
        }
        finally
        {
            await done.CancelAsync();
            await Task.WhenAll(toStream, fromStream).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
