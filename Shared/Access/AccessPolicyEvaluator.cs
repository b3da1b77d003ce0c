namespace Tunnel.Shared.Access;

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
/// </summary>
public static class AccessPolicyEvaluator
{
    public static (AccessDecision Decision, AccessPolicy? Policy) Evaluate(AccessApplication app, AccessIdentity who)
    {
        foreach (var policy in app.Policies.Where(p => p.Action == AccessActions.Bypass))
        {
            if (Matches(policy, who, bypass: true))
            {
                return (AccessDecision.Bypass, policy);
            }
        }

        if (who.IsServiceToken)
        {
            var serviceAuth = app.Policies.FirstOrDefault(p => p.Action == AccessActions.ServiceAuth && Matches(p, who, bypass: false));
            if (serviceAuth is not null)
            {
                return (AccessDecision.Allow, serviceAuth);
            }
        }

        if (!who.IsAuthenticated)
        {
            return (AccessDecision.LoginRequired, null);
        }

        var deny = app.Policies.FirstOrDefault(p => p.Action == AccessActions.Deny && Matches(p, who, bypass: false));
        if (deny is not null)
        {
            return (AccessDecision.Deny, deny);
        }

        var allow = app.Policies.FirstOrDefault(p => p.Action == AccessActions.Allow && Matches(p, who, bypass: false));
        return allow is not null ? (AccessDecision.Allow, allow) : (AccessDecision.Deny, null);
    }

    private static bool Matches(AccessPolicy policy, AccessIdentity who, bool bypass) =>
        policy.Include.Any(s => Matches(s, who, bypass))
        && !(policy.Exclude ?? []).Any(s => Matches(s, who, bypass))
        && (policy.Require ?? []).All(s => Matches(s, who, bypass));

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
