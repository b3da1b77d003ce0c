using Tunnel.Shared.Ingress;

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

    public IngressRuleSet? Local => local;

    /// <summary>What the edge's Data streams may ask for now; null when there are no rules at all.</summary>
    public IngressRuleSet? Current => Volatile.Read(ref _remote) ?? local;

    /// <summary>Applies what Registered or an IngressUpdate carried; invalid rules are logged and the previous ones kept.</summary>
    public void ApplyRemote(string json)
    {
        lock (_lock)
        {
            if (json == _remoteJson)
            {
                return;
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

                return;
            }

            try
            {
                var rules = IngressJson.Parse(json, checkFiles: true);
                _remoteJson = json;
                Volatile.Write(ref _remote, rules);
                logger.LogInformation("Serving {Count} ingress rules from the control plane{Override}", rules.Rules.Count,
                    local is null ? "" : " (they replace the local --url/--config rules)");
            }
            catch (IngressException ex)
            {
                logger.LogError("Ingress rules from the control plane cannot be used here, keeping the previous ones: {Error}", ex.Message);
            }
        }
    }
}
