namespace Tunnel.Shared.Access;

/// <summary>What makes an Access application valid; each error names the part that is wrong.</summary>
public static class AccessApplicationRules
{
    public static string? Error(string? name, IReadOnlyList<string>? domains, int? sessionMinutes, IReadOnlyList<AccessPolicy>? policies)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 64)
        {
            return "an application needs a name of 1 to 64 characters";
        }

        if (domains is null || domains.Count == 0)
        {
            return "an application covers at least one domain: a hostname, a wildcard (*.example.com) or a hostname with a path (app.example.com/admin)";
        }

        foreach (var domain in domains)
        {
            var (host, path) = AccessDomain.Split(domain);
            if (host.Length == 0 || host.Length > 253 || host.Contains(':') || (host.Contains('*') && !(host.StartsWith("*.", StringComparison.Ordinal) && host.LastIndexOf('*') == 0)))
            {
                return $"domain '{domain}' is not a hostname (a wildcard may only be the whole first label, e.g. *.example.com)";
            }

            if (path.Contains("..", StringComparison.Ordinal) || path.Contains('%') || path.Contains('\\'))
            {
                return $"domain '{domain}': the path may not contain '..', '%' or '\\'";
            }
        }

        if (sessionMinutes is < 1 or > 43200)
        {
            return "sessionMinutes must be between 1 and 43200 (30 days)";
        }

        if (policies is null || policies.Count == 0)
        {
            return "an application needs at least one policy; with none, nobody could reach it";
        }

        for (var i = 0; i < policies.Count; i++)
        {
            var policy = policies[i];
            var where = $"policy #{i + 1} ('{policy.Name}')";
            if (!AccessActions.IsValid(policy.Action))
            {
                return $"{where}: action '{policy.Action}' is not one of allow, deny, bypass, service_auth";
            }

            if (policy.Include is null || policy.Include.Count == 0)
            {
                return $"{where}: include needs at least one condition, e.g. {{\"everyone\": true}}";
            }

            foreach (var selector in policy.Include.Concat(policy.Exclude ?? []).Concat(policy.Require ?? []))
            {
                if (SelectorError(selector) is { } error)
                {
                    return $"{where}: {error}";
                }
            }
        }

        return null;
    }

    private static string? SelectorError(AccessSelector s)
    {
        var set = new object?[] { s.Email, s.EmailDomain, s.Group, s.Everyone, s.ServiceToken, s.AnyServiceToken, s.Ip }.Count(v => v is not null);
        if (set != 1)
        {
            return "each condition sets exactly one of email, emailDomain, group, everyone, serviceToken, anyServiceToken, ip";
        }

        if (s.Ip is { } ip && !IpRange.TryParse(ip, out _))
        {
            return $"ip '{ip}' is not an address or CIDR range (e.g. 10.0.0.0/8)";
        }

        return s.Email is { } email && !email.Contains('@') ? $"email '{email}' is not an email address" : null;
    }
}

/// <summary>A domain of an application: a hostname (maybe a wildcard) and an optional path prefix.</summary>
public static class AccessDomain
{
    public static (string Host, string Path) Split(string domain)
    {
        var slash = domain.IndexOf('/');
        return slash < 0
            ? (domain.Trim().TrimEnd('.').ToLowerInvariant(), "")
            : (domain[..slash].Trim().TrimEnd('.').ToLowerInvariant(), domain[slash..].TrimEnd('/'));
    }
}
