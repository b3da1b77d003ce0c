using Tunnel.Shared.Ingress;
using Tunnel.Shared.Protocol;

namespace Tunnel.Connector.Ingress;

/// <summary>
/// The rules this connector serves: its own (--url or config.yml), replaced by the control plane's when the tunnel's
/// ingress is managed there (as a remotely-managed cloudflared tunnel). Shared by all connections of the connector.
/// </summary>
public sealed class ActiveIngress(IngressRuleSet? local, ILogger logger)
{
    private readonly Lock _lock = new();
    private string _remoteJson = "";
    private IngressRuleSet? _remote;
    private bool _toldNoRules;

    public IngressRuleSet? Local => local;

    /// <summary>What the edge's Data streams may ask for now; null when there are no rules at all.</summary>
    public IngressRuleSet? Current => Volatile.Read(ref _remote) ?? local;

    /// <summary>
    /// Applies what Registered or an IngressUpdate carried; rules this host cannot use (a caPool file missing here)
    /// are refused and the previous ones kept. The answer goes back to the edge, which routes by what is served.
    /// </summary>
    public IngressStatus ApplyRemote(string json)
    {
        lock (_lock)
        {
            if (json == _remoteJson)
            {
                if (json.Length == 0 && local is null && !_toldNoRules)
                {
                    _toldNoRules = true;
                    logger.LogWarning("No ingress rules: the tunnel has none in the control plane and this connector was started without --url or --config; " +
                        "requests get 404 no_ingress_rule until rules are set (tunnel ingress set TUNNEL config.yml, or restart with --url)");
                }

                return new IngressStatus { ServingVersion = IngressVersion.Of(_remoteJson) };
            }

            if (json.Length == 0)
            {
                _remoteJson = json;
                Volatile.Write(ref _remote, null);
                if (local is null)
                {
                    logger.LogWarning("No ingress rules: the tunnel has none in the control plane and this connector was started without --url or --config; requests get 404 until rules are set");
                }
                else
                {
                    logger.LogInformation("Ingress is the connector's own again ({Count} rules)", local.Rules.Count);
                }

                return new IngressStatus { ServingVersion = IngressVersion.Local };
            }

            try
            {
                var rules = IngressJson.Parse(json, checkFiles: true);
                _remoteJson = json;
                Volatile.Write(ref _remote, rules);
                logger.LogInformation("Serving {Count} ingress rules from the control plane (version {Version}){Override}", rules.Rules.Count,
                    IngressVersion.Of(json), local is null ? "" : " (they replace the local --url/--config rules)");
                return new IngressStatus { ServingVersion = IngressVersion.Of(json) };
            }
            catch (IngressException ex)
            {
                logger.LogError("Ingress rules version {Version} from the control plane cannot be used here: {Error}. {Kept}",
                    IngressVersion.Of(json), ex.Message,
                    _remoteJson.Length > 0 ? "Keeping the previous rules from the control plane."
                    : local is not null ? "Keeping this connector's own rules (--url / --config)."
                    : "This connector has no other rules: it serves nothing until they are fixed.");
                return new IngressStatus
                {
                    ServingVersion = IngressVersion.Of(_remoteJson), ServingJson = _remoteJson,
                    RejectedVersion = IngressVersion.Of(json), RejectedReason = ex.Message,
                };
            }
        }
    }
}
