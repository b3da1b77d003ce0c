using Microsoft.Extensions.Primitives;
using Tunnel.Edge.Config;
using Tunnel.Edge.Connectors;
using Tunnel.Shared.Ingress;
using Yarp.ReverseProxy.Configuration;

namespace Tunnel.Edge.Routing;

/// <summary>
/// Builds YARP routes and clusters from the control plane's hostnames and the connectors' ingress rules:
/// a route per (hostname, matching rule) in rule order, a cluster per (tunnel, origin service).
/// A tunnel with no connector online keeps routes that answer 503 for it. Exact names order before wildcards.
/// </summary>
public sealed class TunnelProxyConfigProvider : IProxyConfigProvider
{
    private readonly ConfigStore _config;
    private readonly ConnectorRegistry _registry;
    private readonly Lock _lock = new();
    private Snapshot _current;

    private readonly TimeSpan _originIdleTimeout;

    private readonly string _edgeId;

    public TunnelProxyConfigProvider(ConfigStore config, ConnectorRegistry registry, Microsoft.Extensions.Options.IOptions<EdgeOptions> options)
    {
        _edgeId = options.Value.Id;
        _originIdleTimeout = options.Value.OriginIdleTimeout;
        _config = config;
        _registry = registry;
        _current = Build();
        config.Changed += Rebuild;
        registry.Changed += Rebuild;
    }

    public IProxyConfig GetConfig() => _current;

    private int _requested;
    private int _building;

    /// <summary>
    /// Rebuilds on the caller's thread when no rebuild runs; a change that arrives during one is folded into the next
    /// pass of the caller already building, so a burst of registrations (an edge restart brings back every tunnel's
    /// connections at once) costs a few rebuilds of the whole table and of YARP's matcher, not one per connection.
    /// </summary>
    private void Rebuild()
    {
        // Full fences on both flags (Interlocked, not Volatile): a release store followed by a load of the other flag
        // may be reordered, and then a change could find the builder still busy while the builder missed the change.
        Interlocked.Exchange(ref _requested, 1);
        while (Interlocked.CompareExchange(ref _building, 1, 0) == 0)
        {
            try
            {
                while (Interlocked.Exchange(ref _requested, 0) == 1)
                {
                    RebuildNow();
                }
            }
            finally
            {
                Interlocked.Exchange(ref _building, 0);
            }

            if (Volatile.Read(ref _requested) == 0)
            {
                return; // nothing arrived between the last pass and letting go
            }
        }
    }

    private void RebuildNow()
    {
        Snapshot previous;
        lock (_lock)
        {
            previous = _current;
            _current = Build();
        }

        previous.SignalChanged();
    }

    private static readonly RouteMatch AnyPath = new() { Path = "/{**path}" };

    /// <summary>
    /// The route's name in its normal form (HostnameForm: lower-case ASCII, punycode for international names), the
    /// form the gate and TunnelHostMatcherPolicy read from the request's canonical target: one comparison, same bytes.
    /// </summary>
    private static Dictionary<string, string> WithHost(Dictionary<string, string> metadata, string normalHost)
    {
        metadata[TunnelRouteMetadata.Host] = normalHost;
        return metadata;
    }

    private Snapshot Build()
    {
        var routes = new List<RouteConfig>();
        var clusters = new Dictionary<string, ClusterConfig>(StringComparer.Ordinal);
        foreach (var tunnel in _config.Tunnels)
        {
            // Online tunnels route by the rules their connections confirmed serving (see IngressSelection): this
            // edge's own connections, else those on peer edges (streams then go through a peer).
            var choice = IngressSelection.Choose(tunnel, _registry.ConnectionsFor(tunnel.Id), _config.ParseRemoteIngress)
                ?? IngressSelection.ChooseFromPeers(tunnel, PeerPlacements(tunnel), _config.RemoteIngressFor(tunnel.Id));
            // Names in their normal form, as requests are matched; one that has none (stored before names were
            // checked, or by an older control plane) is left unrouted rather than failing every route of the edge.
            var names = tunnel.Hostnames.Select(HostnameForm.Normalize).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
            if (choice is null || (choice.Rules.Count == 0 && choice.Refusal is not null))
            {
                // Still claim the tunnel's names, so a wildcard route of another tunnel cannot take them.
                foreach (var hostname in names)
                {
                    clusters.TryAdd(StatusCluster.ClusterId, StatusCluster);
                    var metadata = new Dictionary<string, string> { [TunnelRouteMetadata.TunnelId] = tunnel.Id, [TunnelRouteMetadata.Offline] = tunnel.Name };
                    if (choice?.Refusal is { } refusal)
                    {
                        metadata[TunnelRouteMetadata.IngressRefused] = refusal;
                    }

                    routes.Add(new RouteConfig
                    {
                        RouteId = $"{hostname}#offline",
                        Order = OrderOf(hostname, 0),
                        ClusterId = StatusCluster.ClusterId,
                        Match = AnyPath,
                        Metadata = WithHost(metadata, hostname),
                    });
                }

                continue;
            }

            var rules = choice.Rules;
            // A last rule with no hostname and no path (validated rule sets always end so) routes every name of the
            // tunnel: the "#no-rule" route would never be chosen, and every route costs each rebuild of the matchers.
            var endsWithCatchAll = rules.Count > 0 && rules[^1].Hostname.Length == 0 && rules[^1].Path.Length == 0;
            // A rule reaches a name once: through the name itself or a wildcard name of the same tunnel over it
            // (api.example.com and *.example.com both routed here), never as two routes of one order (a 500).
            var routed = new HashSet<(string Host, int Rule)>();
            foreach (var hostname in names)
            {
                for (var i = 0; i < rules.Count; i++)
                {
                    var rule = rules[i];
                    // A rule matches a routed name when it covers it; under a wildcard route a narrower rule
                    // (a.dev.example.com under *.dev.example.com) gets a route of its own name, unless that name is
                    // routed exactly to another tunnel. That name is the connector's text (here or, through placements,
                    // on every edge): only its normal form becomes a route host, since a "host:port" or bad punycode
                    // there breaks the route table, and with it every request of the edge.
                    // The rule's name in the normal form the route names have (bücher.example.com, a trailing dot);
                    // one that has none matches nothing.
                    var ruleName = rule.Hostname is "" or "*" ? rule.Hostname : HostnameForm.Normalize(rule.Hostname);
                    if (ruleName is null)
                    {
                        continue;
                    }

                    var ruleHost = hostname.StartsWith("*.", StringComparison.Ordinal) && ruleName is not ("" or "*") ? ruleName : null;
                    var routeHost = IngressMatching.HostMatches(ruleName, hostname) ? hostname
                        : ruleHost is not null && IngressMatching.HostMatches(hostname, ruleHost.TrimStart('*', '.'))
                          && _config.FindByHostname(ruleHost)?.Id == tunnel.Id ? ruleHost
                        : null;
                    if (routeHost is null || !routed.Add((routeHost, i)))
                    {
                        continue;
                    }

                    var metadata = new Dictionary<string, string>
                    {
                        [TunnelRouteMetadata.TunnelId] = tunnel.Id, [TunnelRouteMetadata.IngressVersion] = choice.Version,
                        [TunnelRouteMetadata.Rule] = (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    };
                    if (!string.IsNullOrEmpty(rule.Path))
                    {
                        metadata[TunnelRouteMetadata.PathRegex] = rule.Path;
                    }

                    string clusterId;
                    if (rule.Service.StartsWith("http_status:", StringComparison.Ordinal))
                    {
                        // YARP runs the pipeline only for routes with a cluster; the pipeline answers before forwarding.
                        metadata[TunnelRouteMetadata.Status] = rule.Service["http_status:".Length..];
                        clusterId = StatusCluster.ClusterId;
                        clusters.TryAdd(clusterId, StatusCluster);
                    }
                    else
                    {
                        if (TunnelRouteMetadata.IsTcpService(rule.Service))
                        {
                            metadata[TunnelRouteMetadata.TcpService] = rule.Service;
                        }

                        // A cluster per rule: rules sharing a service may carry different originRequest settings.
                        clusterId = $"{tunnel.Id}|{choice.Version}|{i + 1}|{rule.Service}";
                        clusters.TryAdd(clusterId, Cluster(clusterId, metadata, rule.Service, _originIdleTimeout));
                    }

                    // A name derived from a rule (not one of the tunnel's names) orders with the name it came from, so a rule
                    // written before it under that wildcard still comes first, as in cloudflared (first match wins).
                    var derived = !names.Contains(routeHost);
                    if (derived)
                    {
                        metadata[TunnelRouteMetadata.DerivedHost] = "true";
                    }

                    routes.Add(new RouteConfig
                    {
                        RouteId = $"{hostname}#{i}#{routeHost}",
                        Order = OrderOf(derived ? hostname : routeHost, i),
                        ClusterId = clusterId,
                        Match = AnyPath,
                        Metadata = WithHost(metadata, routeHost),
                        // The origin sees the public Host, as with cloudflared, unless the rule sets httpHostHeader.
                        Transforms = [string.IsNullOrEmpty(rule.HttpHostHeader)
                            ? new Dictionary<string, string> { ["RequestHeaderOriginalHost"] = "true" }
                            : new Dictionary<string, string> { ["RequestHeader"] = "Host", ["Set"] = rule.HttpHostHeader }],
                    });
                }

                if (endsWithCatchAll)
                {
                    continue;
                }

                clusters.TryAdd(StatusCluster.ClusterId, StatusCluster);
                routes.Add(new RouteConfig
                {
                    RouteId = $"{hostname}#no-rule",
                    Order = OrderOf(hostname, NoRuleIndex),
                    ClusterId = StatusCluster.ClusterId,
                    Match = AnyPath,
                    Metadata = WithHost(new Dictionary<string, string> { [TunnelRouteMetadata.TunnelId] = tunnel.Id, [TunnelRouteMetadata.NoRule] = tunnel.Name }, hostname),
                });
            }
        }

        return new Snapshot(routes, clusters.Values.ToList());
    }

    /// <summary>Placements of the tunnel on other edges that take peer calls.</summary>
    private IEnumerable<Tunnel.Shared.Protocol.Placement> PeerPlacements(Tunnel.Shared.Protocol.TunnelConfig tunnel) =>
        tunnel.Placements.Where(p => p.EdgeId != _edgeId && _config.FindEdge(p.EdgeId)?.PeerUrl.Length > 0);

    /// <summary>After every rule of a name (rule indexes stay below it), before any wildcard name's routes.</summary>
    private const int NoRuleIndex = 99_999;

    /// <summary>Rule order within a name; every exact name before any wildcard, whatever its rule index.</summary>
    private static int OrderOf(string host, int ruleIndex) => (host.StartsWith("*.", StringComparison.Ordinal) ? 100_000 : 0) + ruleIndex;

    private static readonly ClusterConfig StatusCluster = new()
    {
        ClusterId = "tunnel-http-status",
        Destinations = new Dictionary<string, DestinationConfig> { ["none"] = new() { Address = "http://http-status.tunnel.invalid/" } },
    };

    private static ClusterConfig Cluster(string clusterId, Dictionary<string, string> routeMetadata, string service, TimeSpan idleTimeout) => new()
    {
        ClusterId = clusterId,
        // The address is never dialed: the cluster's ConnectCallback opens a tunnel stream instead.
        Destinations = new Dictionary<string, DestinationConfig> { ["connector"] = new() { Address = "http://origin.tunnel.invalid/" } },
        Metadata = new Dictionary<string, string>
        {
            [TunnelRouteMetadata.TunnelId] = routeMetadata[TunnelRouteMetadata.TunnelId],
            [TunnelRouteMetadata.IngressVersion] = routeMetadata[TunnelRouteMetadata.IngressVersion],
            [TunnelRouteMetadata.Rule] = routeMetadata[TunnelRouteMetadata.Rule],
            [TunnelRouteMetadata.Service] = service,
        },
        HttpRequest = new Yarp.ReverseProxy.Forwarder.ForwarderRequestConfig
        {
            // Also bounds silence on WebSockets and other upgraded connections; their keep-alive pings count as activity.
            ActivityTimeout = idleTimeout,
            // h2c:// origins (gRPC) get HTTP/2 with prior knowledge; the rest HTTP/1.1, one request at a time per stream.
            Version = service.StartsWith("h2c://", StringComparison.Ordinal) ? System.Net.HttpVersion.Version20 : System.Net.HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        },
    };

    private sealed class Snapshot(IReadOnlyList<RouteConfig> routes, IReadOnlyList<ClusterConfig> clusters) : IProxyConfig
    {
        private readonly CancellationTokenSource _changed = new();

        public IReadOnlyList<RouteConfig> Routes { get; } = routes;
        public IReadOnlyList<ClusterConfig> Clusters { get; } = clusters;
        public IChangeToken ChangeToken => new CancellationChangeToken(_changed.Token);

        public void SignalChanged() => _changed.Cancel();
    }
}
