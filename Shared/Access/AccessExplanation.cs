using System.Text.Json.Serialization;

namespace Tunnel.Shared.Access;

[JsonConverter(typeof(JsonStringEnumConverter<AccessPolicyOutcome>))]
public enum AccessPolicyOutcome
{
    /// <summary>Evaluated, and the request matched it.</summary>
    Matched,
    /// <summary>Evaluated, and the request did not match it.</summary>
    NotMatched,
    /// <summary>Never looked at: an earlier policy decided, or it cannot apply to this identity.</summary>
    NotReached,
}

/// <summary>One policy as the evaluation saw it: its place, its outcome, and the condition that settled it.</summary>
public sealed record AccessPolicyStep(int Index, string Policy, string Action, AccessPolicyOutcome Outcome, string Reason, bool Decided);

/// <summary>An evaluation written down: the decision, the policy that made it (none: nothing matched), every policy's step.</summary>
public sealed record AccessExplanation(AccessDecision Decision, string? DecidingPolicy, IReadOnlyList<AccessPolicyStep> Steps);

/// <summary>A condition in the words of the API (`email_domain example.com`), for explanations.</summary>
public static class AccessSelectors
{
    public static string Describe(AccessSelector s) =>
        s.Email is { } email ? $"email {email}"
        : s.EmailDomain is { } domain ? $"emailDomain {domain}"
        : s.Group is { } group ? $"group {group}"
        : s.Everyone == true ? "everyone"
        : s.ServiceToken is { } token ? $"serviceToken {token}"
        : s.AnyServiceToken == true ? "anyServiceToken"
        : s.Ip is { } ip ? $"ip {ip}"
        : "an empty condition";
}
