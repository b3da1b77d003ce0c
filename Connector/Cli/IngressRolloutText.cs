using System.Text.Json;

namespace Tunnel.Connector.Cli;

/// <summary>How `tunnel info` and `tunnel ingress set/show` say where a tunnel's ingress rules stand.</summary>
internal static class IngressRolloutText
{
    public static IEnumerable<string> Lines(JsonElement rollout)
    {
        if (rollout.Text("managedBy") == "connectors")
        {
            yield return "ingress: the connectors' own rules (--url or config.yml)";
            yield break;
        }

        yield return $"ingress: control plane rules version {rollout.Text("version")}, served by {rollout.Text("serving")} of {rollout.Text("connections")} connection(s)";
        foreach (var refusal in rollout.GetProperty("refusals").EnumerateArray())
        {
            yield return $"  refused by connector {refusal.Text("connectorId")} (edge {refusal.Text("edgeId")}): {refusal.Text("reason")}";
        }
    }

    /// <summary>Every live connection answered: it serves the version or refused it.</summary>
    public static bool Settled(JsonElement rollout) =>
        rollout.GetProperty("serving").GetInt32() + rollout.GetProperty("refused").GetInt32() >= rollout.GetProperty("connections").GetInt32();
}
