using System.Text.Json.Serialization;

namespace Tunnel.Shared.Access;

[JsonConverter(typeof(JsonStringEnumConverter<AccessDecision>))]
public enum AccessDecision
{
    /// <summary>Public path: forwarded without identity or assertion.</summary>
    Bypass,
    /// <summary>Forwarded with a signed assertion of the identity.</summary>
    Allow,
    /// <summary>A known identity that policy refuses: 403.</summary>
    Deny,
    /// <summary>Nobody signed in and nothing else lets the request through: log in (browsers) or 401 (APIs).</summary>
    LoginRequired,
}

/// <summary>
/// Evaluates an application's policies as Cloudflare Access does: bypass first (no identity needed), then
/// service_auth (service tokens), then deny (deny wins over allow), then allow. Within a policy, include is OR,
/// require is AND, and any exclude match takes the policy out. A person who matches no policy is refused; nobody
/// at all is asked to log in.
/// <para>
/// One evaluation serves the edge and the dashboard's policy tester: given a trace, it also writes down each policy
/// it looked at and the condition that decided it, so the tester cannot disagree with the gate.
/// </para>
/// </summary>
public static class AccessPolicyEvaluator
{
    public static (AccessDecision Decision, AccessPolicy? Policy) Evaluate(AccessApplication app, AccessIdentity who) =>
        Evaluate(app, who, trace: null);

    /// <summary>The decision and, policy by policy in the application's order, what the evaluation saw.</summary>
    public static AccessExplanation Explain(AccessApplication app, AccessIdentity who)
    {
        var trace = new Dictionary<AccessPolicy, AccessPolicyStep>(ReferenceEqualityComparer.Instance);
        var (decision, policy) = Evaluate(app, who, trace);
        var steps = app.Policies.Select((p, i) => trace.TryGetValue(p, out var step)
            ? step with { Index = i + 1, Decided = ReferenceEquals(p, policy) }
            : new AccessPolicyStep(i + 1, p.Name, p.Action, AccessPolicyOutcome.NotReached, NotReachedReason(p, decision, policy, who), false)).ToList();
        return new AccessExplanation(decision, policy?.Name, steps);
    }

    private static (AccessDecision Decision, AccessPolicy? Policy) Evaluate(AccessApplication app, AccessIdentity who, Dictionary<AccessPolicy, AccessPolicyStep>? trace)
    {
        foreach (var policy in app.Policies)
        {
            if (policy.Action == AccessActions.Bypass && Matches(policy, who, bypass: true, trace))
            {
                return (AccessDecision.Bypass, policy);
            }
        }

        if (who.IsServiceToken)
        {
            foreach (var policy in app.Policies)
            {
                if (policy.Action == AccessActions.ServiceAuth && Matches(policy, who, bypass: false, trace))
                {
                    return (AccessDecision.Allow, policy);
                }
            }
        }

        if (!who.IsAuthenticated)
        {
            return (AccessDecision.LoginRequired, null);
        }

        foreach (var policy in app.Policies)
        {
            if (policy.Action == AccessActions.Deny && Matches(policy, who, bypass: false, trace))
            {
                return (AccessDecision.Deny, policy);
            }
        }

        foreach (var policy in app.Policies)
        {
            if (policy.Action == AccessActions.Allow && Matches(policy, who, bypass: false, trace))
            {
                return (AccessDecision.Allow, policy);
            }
        }

        return (AccessDecision.Deny, null);
    }

    private static bool Matches(AccessPolicy policy, AccessIdentity who, bool bypass, Dictionary<AccessPolicy, AccessPolicyStep>? trace)
    {
        var include = policy.Include.FirstOrDefault(s => Matches(s, who, bypass));
        var exclude = include is null ? null : (policy.Exclude ?? []).FirstOrDefault(s => Matches(s, who, bypass));
        var missing = include is null || exclude is not null ? null : (policy.Require ?? []).FirstOrDefault(s => !Matches(s, who, bypass));
        var matched = include is not null && exclude is null && missing is null;
        if (trace is not null)
        {
            var reason = include is null ? "no include condition matched"
                : exclude is not null ? $"excluded by {AccessSelectors.Describe(exclude)}"
                : missing is not null ? $"require {AccessSelectors.Describe(missing)} not met"
                : $"included by {AccessSelectors.Describe(include)}" + ((policy.Require ?? []).Count > 0 ? ", every require met" : "");
            trace[policy] = new AccessPolicyStep(0, policy.Name, policy.Action, matched ? AccessPolicyOutcome.Matched : AccessPolicyOutcome.NotMatched, reason, false);
        }

        return matched;
    }

    private static string NotReachedReason(AccessPolicy p, AccessDecision decision, AccessPolicy? decided, AccessIdentity who) => p.Action switch
    {
        AccessActions.ServiceAuth when !who.IsServiceToken => "applies to service tokens only",
        _ when decided is not null => $"not evaluated: policy '{decided.Name}' decided first",
        _ when decision == AccessDecision.LoginRequired => "not evaluated: nobody is signed in",
        _ => "not evaluated",
    };

    private static bool Matches(AccessSelector s, AccessIdentity who, bool bypass)
    {
        if (s.Everyone == true)
        {
            return bypass || who.IsAuthenticated;
        }

        if (s.Ip is { } range)
        {
            return who.ClientIp is { } ip && IpRange.Contains(range, ip);
        }

        if (s.AnyServiceToken == true)
        {
            return who.IsServiceToken;
        }

        if (s.ServiceToken is { } clientId)
        {
            return string.Equals(who.ServiceTokenClientId, clientId, StringComparison.Ordinal);
        }

        if (who.Email is not { } email)
        {
            return false;
        }

        if (s.Email is { } wanted)
        {
            return string.Equals(email, wanted, StringComparison.OrdinalIgnoreCase);
        }

        if (s.EmailDomain is { } domain)
        {
            return email.EndsWith("@" + domain.TrimStart('@'), StringComparison.OrdinalIgnoreCase);
        }

        return s.Group is { } group && who.Groups.Contains(group, StringComparer.Ordinal);
    }
}
