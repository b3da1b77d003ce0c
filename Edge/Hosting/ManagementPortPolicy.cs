using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.Extensions.Options;

namespace Tunnel.Edge.Hosting;

/// <summary>Marks an endpoint as the operator's: it matches only on the management port.</summary>
internal sealed class ManagementPortOnly;

/// <summary>
/// Health and metrics endpoints exist on the management port only; on public ports the same paths belong to the
/// origins. Chosen by the port the connection arrived on, not the Host header, which a public client controls
/// (`Host: x:7845` sent to the public port must not reach the edge's /metrics).
/// </summary>
internal sealed class ManagementPortPolicy(IOptions<EdgeOptions> options) : MatcherPolicy, IEndpointSelectorPolicy
{
    public override int Order => 0;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) => endpoints.Any(e => e.Metadata.GetMetadata<ManagementPortOnly>() is not null);

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        if (httpContext.Connection.LocalPort == options.Value.ManagementPort)
        {
            return Task.CompletedTask;
        }

        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates.IsValidCandidate(i) && candidates[i].Endpoint.Metadata.GetMetadata<ManagementPortOnly>() is not null)
            {
                candidates.SetValidity(i, false);
            }
        }

        return Task.CompletedTask;
    }
}
