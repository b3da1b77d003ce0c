using Tunnel.Edge.Config;
using Tunnel.Edge.Connectors;

namespace Tunnel.Edge.Routing;

/// <summary>Answers requests that no tunnel route took: unknown hostname (404) or a tunnel with no connector online (503).</summary>
public static class UnroutedRequests
{
    public static Task HandleAsync(HttpContext context, ConfigStore config, ConnectorRegistry registry)
    {
        var host = ErrorPages.HostOf(context);
        var tunnel = config.FindByHostname(host);
        if (tunnel is null)
        {
            return ErrorPages.WriteAsync(context, StatusCodes.Status404NotFound, ErrorCodes.UnknownHost, "Unknown hostname",
                config.Loaded
                    ? $"No tunnel is routed for {host}. Route one with `tunnel route dns TUNNEL {host}`."
                    : $"No tunnel is routed for {host}: this edge has not received its configuration from the control plane yet.");
        }

        if (registry.ConnectionsFor(tunnel.Id).IsEmpty)
        {
            return ErrorPages.TunnelOfflineAsync(context, tunnel.Name, "no connector of it is online");
        }

        return NoIngressRuleAsync(context, tunnel.Name);
    }

    public static Task NoIngressRuleAsync(HttpContext context, string tunnelName) =>
        ErrorPages.WriteAsync(context, StatusCodes.Status404NotFound, ErrorCodes.NoIngressRule, "No ingress rule",
            $"No ingress rule of tunnel '{tunnelName}' matches {ErrorPages.HostOf(context)}{context.Request.Path}. Add a rule for it to the connector's config " +
            "(or `tunnel ingress set`); a connector started with only --token serves the rules the control plane holds.");
}
