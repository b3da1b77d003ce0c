using Yarp.ReverseProxy.Forwarder;

namespace Tunnel.Edge.Routing;

/// <summary>
/// YARP's HTTP client for a tunnel cluster, whose ConnectCallback opens a tunnel stream instead of a socket.
/// YARP then speaks ordinary HTTP/1.1 with keep-alive over it, so one stream carries many requests.
/// </summary>
public sealed class TunnelHttpClientFactory(TunnelDialer dialer) : ForwarderHttpClientFactory
{
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        var metadata = context.NewMetadata;
        if (metadata is null
            || !metadata.TryGetValue(TunnelRouteMetadata.TunnelId, out var tunnelId)
            || !metadata.TryGetValue(TunnelRouteMetadata.Service, out var service)
            || !metadata.TryGetValue(TunnelRouteMetadata.IngressVersion, out var ingressVersion)
            || !int.TryParse(metadata.GetValueOrDefault(TunnelRouteMetadata.Rule), out var rule))
        {
            return;
        }

        handler.PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90);
        handler.ConnectCallback = async (_, cancellationToken) => await dialer.OpenAsync(tunnelId, ingressVersion, rule, service, cancellationToken);
    }
}
