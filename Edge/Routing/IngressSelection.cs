using System.Collections.Immutable;
using Tunnel.Edge.Connectors;
using Tunnel.Shared.Ingress;
using Tunnel.Shared.Protocol;

namespace Tunnel.Edge.Routing;

/// <summary>
/// Which ingress rules the edge routes a tunnel by: the rules its connections confirmed they serve, never rules a
/// connector refused. The control plane's current version when any connection serves it (the others finish
/// their switch or keep refusing); otherwise the version most connections serve.
/// </summary>
public static class IngressSelection
{
    public sealed record Choice(string Version, IReadOnlyList<IngressRule> Rules, string? Refusal);

    public static Choice? Choose(TunnelConfig tunnel, ImmutableArray<ConnectorConnection> connections, Func<string, string, IReadOnlyList<IngressRule>?> parseRemote)
    {
        ConnectorConnection? chosen = null;
        var desired = IngressVersion.Of(tunnel.IngressJson);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        string? refusal = null;
        foreach (var connection in connections)
        {
            if (connection.Rejected is { } rejected && rejected.Version == desired)
            {
                refusal ??= rejected.Reason;
            }

            if (connection.Served is not { } served)
            {
                continue; // registered, but has not said what it serves yet
            }

            counts[served.Version] = counts.GetValueOrDefault(served.Version) + 1;
            if (served.Version == desired)
            {
                chosen = connection; // the latest registered one of the current version
            }
        }

        if (chosen is null && counts.Count > 0)
        {
            var most = counts.MaxBy(c => c.Value).Key;
            chosen = connections.Last(c => c.Served?.Version == most);
        }

        if (chosen?.Served is not { } choice)
        {
            return null;
        }

        var rules = choice.IsRemote ? parseRemote(tunnel.Id, choice.RemoteJson) ?? [] : choice.LocalRules;
        return new Choice(choice.Version, rules, choice.Version == desired ? null : refusal);
    }

    /// <summary>
    /// For a tunnel with no usable connection on this edge: the rules its connections on peer edges serve (from the
    /// snapshot), by the same preference. An earlier control-plane version is skipped: only its hash is known here.
    /// </summary>
    public static Choice? ChooseFromPeers(TunnelConfig tunnel, IEnumerable<Placement> placements, IReadOnlyList<IngressRule>? currentRemote)
    {
        var desired = IngressVersion.Of(tunnel.IngressJson);
        var usable = placements.Where(p => p.IngressVersion == desired || p.IngressVersion == IngressVersion.Local).ToList();
        var chosen = usable.FirstOrDefault(p => p.IngressVersion == desired)
            ?? usable.GroupBy(p => p.IngressVersion).MaxBy(g => g.Sum(p => p.Connections))?.First();
        if (chosen is null)
        {
            return null;
        }

        IReadOnlyList<IngressRule> rules = chosen.IngressVersion == IngressVersion.Local ? chosen.LocalIngress : currentRemote ?? [];
        return new Choice(chosen.IngressVersion, rules, null);
    }
}
