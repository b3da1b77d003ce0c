using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tunnel.Shared.Serialization;

/// <summary>
/// Options for JSON a person wrote (API bodies, the dashboard's Access editor): unknown keys are refused.
/// What our own parts send each other (config snapshots) stays lenient, so a newer control plane does not break an
/// older edge during a rolling upgrade.
/// </summary>
public static class StrictJson
{
    public static readonly JsonSerializerOptions Options = Apply(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    });

    public static JsonSerializerOptions Apply(JsonSerializerOptions options)
    {
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        return options;
    }
}
