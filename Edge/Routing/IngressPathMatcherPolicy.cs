using Microsoft.AspNetCore.Routing.Matching;
using Tunnel.Shared.Ingress;
using Yarp.ReverseProxy.Model;

namespace Tunnel.Edge.Routing;

/// <summary>
/// Ingress rules match paths by regex (as in cloudflared), which route templates cannot express:
/// this policy drops the candidate routes whose rule regex does not match, so the first matching rule wins.
/// </summary>
internal sealed class IngressPathMatcherPolicy : MatcherPolicy, IEndpointSelectorPolicy
{
    public override int Order => 0;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) => endpoints.Any(e => PathPattern(e) is not null);

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        var path = httpContext.Request.Path.Value ?? "/";
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates.IsValidCandidate(i) && PathPattern(candidates[i].Endpoint) is { } pattern
                && !IngressMatching.PathMatches(pattern, path))
            {
                candidates.SetValidity(i, false);
            }
        }

        return Task.CompletedTask;
    }

    private static string? PathPattern(Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<RouteModel>()?.Config.Metadata?.GetValueOrDefault(TunnelRouteMetadata.PathRegex);
}
