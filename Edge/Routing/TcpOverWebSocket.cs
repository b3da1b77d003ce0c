using Tunnel.Edge.Config;
using Tunnel.Shared.Streams;
using Yarp.ReverseProxy.Model;

namespace Tunnel.Edge.Routing;

/// <summary>
/// Hostnames whose rule is a TCP service (tcp://, ssh://, rdp://) are reached by `tunnel access`: it opens a
/// WebSocket here, and the edge pipes its binary messages to a tunnel stream to that service, bytes unchanged.
/// </summary>
public static class TcpOverWebSocket
{
    public static async Task AnswerTcpRules(HttpContext context, Func<Task> next)
    {
        var metadata = context.GetReverseProxyFeature().Route.Config.Metadata;
        if (metadata?.GetValueOrDefault(TunnelRouteMetadata.TcpService) is not { } service)
        {
            await next();
            return;
        }

        var tunnelId = metadata[TunnelRouteMetadata.TunnelId];
        var host = ErrorPages.HostOf(context);
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await ErrorPages.WriteAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.TcpService, "TCP service",
                $"{host} serves a TCP service ({service.Split("://")[0]}). Reach it with " +
                $"`tunnel access tcp --hostname {host} --url 127.0.0.1:PORT`.");
            return;
        }

        Stream upstream;
        try
        {
            upstream = await context.RequestServices.GetRequiredService<TunnelDialer>().OpenAsync(tunnelId, metadata[TunnelRouteMetadata.IngressVersion],
                int.Parse(metadata[TunnelRouteMetadata.Rule], System.Globalization.CultureInfo.InvariantCulture), service, context.RequestAborted);
        }
        catch (TunnelUnavailableException ex)
        {
            var name = context.RequestServices.GetRequiredService<ConfigStore>().FindTunnel(tunnelId)?.Name ?? tunnelId;
            await ErrorPages.TunnelOfflineAsync(context, name, ex.Message);
            return;
        }
        catch (OriginUnreachableException ex)
        {
            await ErrorPages.OriginFailedAsync(context, StatusCodes.Status502BadGateway, ErrorCodes.OriginUnreachable, "Origin unreachable",
                $"The connector could not reach {service}: {ex.Message}");
            return;
        }

        await using (upstream)
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await WebSocketStreamPump.RunAsync(socket, upstream, context.RequestAborted);
        }
    }
}
