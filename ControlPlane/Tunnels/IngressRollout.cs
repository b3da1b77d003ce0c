using Tunnel.ControlPlane.Model;
using Tunnel.Shared.Ingress;

namespace Tunnel.ControlPlane.Tunnels;

/// <summary>A connector that refused a version of the tunnel's ingress rules, and why (from its edge's report).</summary>
public sealed record IngressRefusal(string ConnectorId, string EdgeId, string Version, string Reason);

/// <summary>
/// Where a tunnel's ingress rules stand: the version the control plane holds, how many live connections serve it,
/// and which connectors refused it. Rules take effect per connection as each connector accepts them.
/// </summary>
public sealed record IngressRollout(string ManagedBy, string Version, int Serving, int Refused, int Connections, IReadOnlyList<IngressRefusal> Refusals)
{
    public static IngressRollout Of(TunnelEntity tunnel, IReadOnlyCollection<ConnectionEntity> live)
    {
        var version = IngressVersion.Of(tunnel.IngressJson);
        var refusing = live.Where(c => c.IngressRejectedVersion == version && c.IngressVersion != version).ToList();
        var refusals = refusing
            .GroupBy(c => (c.ConnectorId, c.EdgeId))
            .Select(g => new IngressRefusal(g.Key.ConnectorId, g.Key.EdgeId, version, g.First().IngressRejectedReason ?? "no reason given"))
            .ToList();
        return new IngressRollout(tunnel.IngressJson is null ? "connectors" : "control plane", version,
            live.Count(c => c.IngressVersion == version), refusing.Count, live.Count, refusals);
    }
}
