using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tunnel.Shared.Access;

/// <summary>
/// One condition of a policy; exactly one field is set. `everyone` is any signed-in person or valid service token
/// (in a bypass policy: anyone at all); `ip` is an address or CIDR range of the client.
/// </summary>
public sealed record AccessSelector(
    string? Email = null,
    string? EmailDomain = null,
    string? Group = null,
    bool? Everyone = null,
    string? ServiceToken = null,
    bool? AnyServiceToken = null,
    string? Ip = null);

/// <summary>An Access policy: its action and include (any of) / exclude (none of) / require (all of) conditions.</summary>
public sealed record AccessPolicy(
    string Name,
    string Action,
    IReadOnlyList<AccessSelector> Include,
    IReadOnlyList<AccessSelector>? Exclude = null,
    IReadOnlyList<AccessSelector>? Require = null);

/// <summary>
/// An Access application: the hostnames (wildcards allowed) and optional path prefixes it covers
/// ("app.example.com", "*.internal.example.com", "app.example.com/admin"), its session length and its policies.
/// </summary>
public sealed record AccessApplication(
    Guid Id,
    string Name,
    IReadOnlyList<string> Domains,
    int SessionMinutes,
    IReadOnlyList<AccessPolicy> Policies);

public static class AccessActions
{
    public const string Allow = "allow";
    public const string Deny = "deny";
    public const string Bypass = "bypass";
    public const string ServiceAuth = "service_auth";

    public static bool IsValid(string? action) => action is Allow or Deny or Bypass or ServiceAuth;
}

/// <summary>Access applications travel as JSON in the config snapshot; one serializer for every part.</summary>
public static class AccessJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T? Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Options);
}
