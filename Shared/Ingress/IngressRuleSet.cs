using System.Text.RegularExpressions;

namespace Tunnel.Shared.Ingress;

public sealed record IngressRuleSpec(string? Hostname, string? Path, string? Service, OriginRequest? OriginRequest = null);

public sealed record ValidatedRule(string Hostname, string Path, OriginService Service, OriginRequest OriginRequest);

/// <summary>
/// A tunnel's ingress rules (the connector's config.yml, or managed in the control plane), validated before use (as cloudflared does): each error names the
/// rule and what is wrong, and the last rule must be a catch-all.
/// </summary>
public sealed class IngressRuleSet
{
    private IngressRuleSet(IReadOnlyList<ValidatedRule> rules) => Rules = rules;

    public IReadOnlyList<ValidatedRule> Rules { get; }

    public static IngressRuleSet SingleService(OriginService service, OriginRequest? originRequest = null) =>
        new([new ValidatedRule("", "", service, originRequest ?? OriginRequest.Default)]);

    /// <param name="checkFiles">False where the files live on another machine (the control plane validating a connector's rules).</param>
    public static IngressRuleSet Validate(IReadOnlyList<IngressRuleSpec> specs, OriginRequest? defaults = null, bool checkFiles = true)
    {
        if (specs.Count == 0)
        {
            throw new IngressException("the config has no ingress rules: add at least a catch-all rule such as `- service: http://localhost:3000`");
        }

        var rules = new List<ValidatedRule>();
        for (var i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            var n = i + 1;
            var hostname = spec.Hostname?.Trim().ToLowerInvariant() ?? "";
            if (hostname.Contains('*') && !(hostname.StartsWith("*.", StringComparison.Ordinal) && hostname.LastIndexOf('*') == 0))
            {
                throw new IngressException($"ingress rule #{n}: hostname '{spec.Hostname}' may only have a wildcard as its whole first label, e.g. *.example.com");
            }

            if (hostname.Contains(':') || hostname.Contains('/'))
            {
                throw new IngressException($"ingress rule #{n}: hostname '{spec.Hostname}' must be a bare hostname, without scheme, port or path");
            }

            var path = spec.Path ?? "";
            if (path.Length > 0)
            {
                try
                {
                    _ = new Regex(path);
                }
                catch (ArgumentException ex)
                {
                    throw new IngressException($"ingress rule #{n}: path '{path}' is not a valid regular expression: {ex.Message}");
                }
            }

            if (!OriginService.TryParse(spec.Service, out var service, out var error))
            {
                throw new IngressException($"ingress rule #{n}: {error}");
            }

            var isLast = i == specs.Count - 1;
            var catchAll = hostname.Length == 0 && path.Length == 0;
            if (isLast && !catchAll)
            {
                throw new IngressException($"ingress rule #{n}: the last rule must match all URLs (no hostname, no path), e.g. `- service: http_status:404`");
            }

            if (!isLast && catchAll)
            {
                throw new IngressException($"ingress rule #{n} matches all URLs, so the rules after it would never be used: move it to the end");
            }

            var originRequest = (spec.OriginRequest ?? OriginRequest.Default).Over(defaults ?? OriginRequest.Default);
            if (originRequest.Error(checkFiles) is { } optionError)
            {
                throw new IngressException($"ingress rule #{n}: originRequest: {optionError}");
            }

            // Rules sharing a service may differ in originRequest (as in cloudflared): each stream names its rule.
            rules.Add(new ValidatedRule(hostname, path, service!, originRequest));
        }

        return new IngressRuleSet(rules);
    }

    /// <summary>The first rule that matches (what `tunnel ingress rule URL` prints).</summary>
    public (int Index, ValidatedRule Rule) Match(string hostname, string path)
    {
        for (var i = 0; i < Rules.Count; i++)
        {
            var rule = Rules[i];
            if (IngressMatching.HostMatches(rule.Hostname, hostname) && IngressMatching.PathMatches(rule.Path, path))
            {
                return (i, rule);
            }
        }

        return (Rules.Count - 1, Rules[^1]);
    }

    /// <summary>The origin a Data stream asks for, if it is one of ours: the edge may name only our services.</summary>
    public ValidatedRule? FindService(string text) => Rules.FirstOrDefault(r => r.Service.Text == text);

    /// <summary>The rule a stream names (1-based), when it is for that service; else the first rule for the service.</summary>
    public ValidatedRule? FindRule(int index, string service) =>
        index >= 1 && index <= Rules.Count && Rules[index - 1].Service.Text == service ? Rules[index - 1] : FindService(service);
}

public sealed class IngressException(string message) : Exception(message);
