using System.Collections.Frozen;
using Microsoft.Extensions.Options;
using Tunnel.Shared.Ingress;
using Tunnel.Shared.Protocol;

namespace Tunnel.Edge.Config;

/// <summary>
/// The config the edge routes by: the last snapshot from the control plane, kept on disk so a restarted edge
/// serves while the control plane (or its database) is down.
/// </summary>
public sealed class ConfigStore
{
    private readonly string _path;
    private readonly ILogger<ConfigStore> _logger;
    private readonly string _controlPlaneUrl;
    private volatile State _state = State.Empty;

    public ConfigStore(IOptions<EdgeOptions> options, ILogger<ConfigStore> logger)
    {
        _logger = logger;
        _controlPlaneUrl = options.Value.ControlPlaneUrl;
        _path = Path.Combine(options.Value.DataDirectory, "config-snapshot.pb");
        LoadCached();
    }

    public event Action? Changed;

    public bool Loaded => _state.Snapshot is not null;

    public long Version => _state.Snapshot?.Version ?? 0;

    /// <summary>Access applications, service tokens, provider and keys (JSON); empty when there are none.</summary>
    public string AccessJson => _state.Snapshot?.AccessJson ?? "";

    public IEnumerable<TunnelConfig> Tunnels => _state.Snapshot?.Tunnels ?? Enumerable.Empty<TunnelConfig>();

    public TunnelConfig? FindTunnel(string tunnelId) => _state.ById.GetValueOrDefault(tunnelId);

    /// <summary>The edges of the cluster that reported lately (this one among them, once it has).</summary>
    /// <summary>ACME certificates the control plane keeps (stamps, no keys), the challenges pending, and the quick-tunnel domain.</summary>
    public IReadOnlyList<CertificateStamp> CertificateStamps => (IReadOnlyList<CertificateStamp>?)_state.Snapshot?.Certificates ?? [];
    public IReadOnlyList<AcmeChallenge> AcmeChallenges => (IReadOnlyList<AcmeChallenge>?)_state.Snapshot?.AcmeChallenges ?? [];
    public string QuickDomain => _state.Snapshot?.QuickDomain ?? "";

    public IReadOnlyList<EdgeInfo> Edges => (IReadOnlyList<EdgeInfo>?)_state.Snapshot?.Edges ?? [];

    /// <summary>The dashboard's traffic inspector of a tunnel (the connector prints it when capture is on).</summary>
    public string InspectorUrl(string tunnelId) =>
        $"{(_state.Snapshot?.DashboardUrl is { Length: > 0 } url ? url : _controlPlaneUrl).TrimEnd('/')}/tunnels/{tunnelId}/inspect";

    public EdgeInfo? FindEdge(string edgeId) => _state.EdgesById.GetValueOrDefault(edgeId);

    /// <summary>The tunnel's ingress rules when the control plane manages them; null when its connectors bring their own.</summary>
    public IReadOnlyList<IngressRule>? RemoteIngressFor(string tunnelId) => _state.RemoteIngress.GetValueOrDefault(tunnelId);

    /// <summary>
    /// The routing view of a version of remote rules a connection serves: the current one (parsed with the snapshot)
    /// or an earlier one a connector kept when it refused the current.
    /// </summary>
    public IReadOnlyList<IngressRule>? ParseRemoteIngress(string tunnelId, string json) =>
        // One lookup, not a scan of every tunnel: routes are rebuilt for all tunnels on each connection change.
        _state.ById.TryGetValue(tunnelId, out var tunnel) && tunnel.IngressJson == json
            ? _state.RemoteIngress.GetValueOrDefault(tunnelId)
            : State.ParseIngress(json, "(earlier version)", _logger);

    /// <summary>The tunnel routed for a hostname: its exact route, else the closest wildcard route above it.</summary>
    public TunnelConfig? FindByHostname(string hostname)
    {
        var routes = _state.ByHostname;
        if (routes.TryGetValue(hostname, out var exact))
        {
            return exact;
        }

        for (var dot = hostname.IndexOf('.'); dot > 0 && dot < hostname.Length - 1; dot = hostname.IndexOf('.', dot + 1))
        {
            if (routes.TryGetValue("*" + hostname[dot..], out var wildcard))
            {
                return wildcard;
            }
        }

        return null;
    }

    public void Apply(ConfigSnapshot snapshot)
    {
        var previous = _state.Snapshot;
        _state = new State(snapshot, _logger);
        if (previous is not null && previous.Equals(new ConfigSnapshot(snapshot) { Version = previous.Version }))
        {
            return; // same content, only a periodic resend
        }

        Save(snapshot);
        _logger.LogInformation("Applied config version {Version}: {Tunnels} tunnels, {Hostnames} hostnames",
            snapshot.Version, snapshot.Tunnels.Count, snapshot.Tunnels.Sum(t => t.Hostnames.Count));
        Changed?.Invoke();
    }

    private void LoadCached()
    {
        if (!File.Exists(_path))
        {
            return;
        }

        try
        {
            using var file = File.OpenRead(_path);
            var snapshot = ConfigSnapshot.Parser.ParseFrom(file);
            _state = new State(snapshot, _logger);
            _logger.LogInformation("Loaded cached config version {Version} from {Path}", snapshot.Version, _path);
        }
        catch (Exception ex) when (ex is IOException or Google.Protobuf.InvalidProtocolBufferException)
        {
            _logger.LogWarning(ex, "Cached config {Path} is unreadable; waiting for the control plane", _path);
        }
    }

    private void Save(ConfigSnapshot snapshot)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            var tmp = _path + ".tmp";
            // Owner-only: the snapshot holds secret hashes, Access signing keys and the identity provider's client secret.
            var owner = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                owner.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var file = new FileStream(tmp, owner))
            {
                using var output = new Google.Protobuf.CodedOutputStream(file);
                snapshot.WriteTo(output);
            }

            File.Move(tmp, _path, overwrite: true);
        }
        catch (IOException ex)
        {
            _logger.LogWarning(ex, "Could not cache config to {Path}; a restart would need the control plane", _path);
        }
    }

    private sealed class State
    {
        public static readonly State Empty = new(null, null);

        public State(ConfigSnapshot? snapshot, ILogger? logger)
        {
            Snapshot = snapshot;
            var tunnels = snapshot?.Tunnels ?? Enumerable.Empty<TunnelConfig>();
            ById = tunnels.ToFrozenDictionary(t => t.Id, StringComparer.OrdinalIgnoreCase);
            // By the normal form routes and requests use (a name stored in another spelling still finds its tunnel).
            ByHostname = tunnels.SelectMany(t => t.Hostnames.Select(h => (h: Shared.Ingress.HostnameForm.Normalize(h), t)))
                .Where(p => p.h is not null).DistinctBy(p => p.h, StringComparer.Ordinal)
                .ToFrozenDictionary(p => p.h!, p => p.t, StringComparer.OrdinalIgnoreCase);
            EdgesById = (snapshot?.Edges ?? Enumerable.Empty<EdgeInfo>()).ToFrozenDictionary(e => e.EdgeId, StringComparer.Ordinal);
            RemoteIngress = tunnels.Where(t => t.IngressJson.Length > 0)
                .Select(t => (t.Id, Rules: ParseIngress(t.IngressJson, t.Name, logger)))
                .Where(p => p.Rules is not null)
                .ToFrozenDictionary(p => p.Id, p => p.Rules!, StringComparer.OrdinalIgnoreCase);
        }

        public FrozenDictionary<string, IReadOnlyList<IngressRule>> RemoteIngress { get; }
        public FrozenDictionary<string, EdgeInfo> EdgesById { get; }

        /// <summary>The control plane validated the rules; the edge needs only what routing uses.</summary>
        public static IReadOnlyList<IngressRule>? ParseIngress(string json, string tunnelName, ILogger? logger)
        {
            try
            {
                return IngressJson.Parse(json, checkFiles: false).Rules.Select(r => new IngressRule
                {
                    Hostname = r.Hostname,
                    Path = r.Path,
                    Service = r.Service.Text,
                    HttpHostHeader = r.OriginRequest.HttpHostHeader ?? "",
                }).ToList();
            }
            catch (IngressException ex)
            {
                logger?.LogError("Ingress rules of tunnel {Tunnel} from the control plane are invalid, ignored: {Error}", tunnelName, ex.Message);
                return null;
            }
        }

        public ConfigSnapshot? Snapshot { get; }
        public FrozenDictionary<string, TunnelConfig> ById { get; }
        public FrozenDictionary<string, TunnelConfig> ByHostname { get; }
    }
}
