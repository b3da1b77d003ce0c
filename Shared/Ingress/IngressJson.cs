using System.Text.Json;
using Tunnel.Shared.Serialization;

namespace Tunnel.Shared.Ingress;

/// <summary>
/// Ingress rules managed in the control plane travel as JSON with config.yml's field names
/// ({hostname, path, service, originRequest: {noTLSVerify, …}}); one serializer for every part.
/// </summary>
public static class IngressJson
{
    public static JsonSerializerOptions SerializerOptions => Options;

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Serialize(IReadOnlyList<IngressRuleSpec> rules) =>
        JsonSerializer.Serialize(rules as List<IngressRuleSpec> ?? [.. rules], SharedJsonContext.Default.ListIngressRuleSpec);

    /// <summary>Parses and validates; throws <see cref="IngressException"/> saying what is wrong.</summary>
    public static IngressRuleSet Parse(string json, bool checkFiles)
    {
        List<IngressRuleSpec>? specs;
        try
        {
            specs = JsonSerializer.Deserialize(json, SharedJsonContext.Default.ListIngressRuleSpec);
        }
        catch (JsonException ex)
        {
            throw new IngressException($"the ingress rules are not a JSON list of rules: {ex.Message}");
        }

        return IngressRuleSet.Validate(specs ?? [], checkFiles: checkFiles);
    }
}
