using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Tunnels;
using Tunnel.Shared.Ingress;

namespace Tunnel.ControlPlane.Apis;

/// <summary>Remotely-managed ingress: rules kept here and pushed to the tunnel's connectors through the edges.</summary>
public static class IngressApi
{
    public static RouteGroupBuilder MapIngressApi(this RouteGroupBuilder api)
    {
        var ingress = api.MapGroup("/tunnels/{tunnel}/ingress").WithTags("Ingress");
        ingress.MapGet("/", GetAsync);
        ingress.MapPut("/", SetAsync);
        ingress.MapDelete("/", async Task<Results<NoContent, ProblemHttpResult>> (string tunnel, TunnelCatalog catalog, CancellationToken ct) =>
        {
            var outcome = await catalog.SetIngressAsync(tunnel, null, ct);
            return outcome.Succeeded ? TypedResults.NoContent() : Problems.From(outcome);
        });
        return api;
    }

    private static async Task<Results<Ok<IngressResponse>, ProblemHttpResult>> GetAsync(string tunnel, TunnelCatalog catalog, TunnelDbContext db, CancellationToken ct)
    {
        var entity = await catalog.FindAsync(tunnel, ct);
        return entity is null
            ? Problems.NotFound($"no tunnel named or with id '{tunnel}': list them with `tunnel list`")
            : TypedResults.Ok(ToResponse(entity, await LiveConnections.ListAsync(db, entity.Id, ct)));
    }

    private static async Task<Results<Ok<IngressResponse>, ProblemHttpResult>> SetAsync(
        string tunnel, SetIngressRequest request, TunnelCatalog catalog, TunnelDbContext db, CancellationToken ct)
    {
        if (request.Rules is null)
        {
            return Problems.BadRequest("send {\"rules\": [...]} with the last rule a catch-all, e.g. {\"service\": \"http_status:404\"}; DELETE hands ingress back to the connectors");
        }

        var outcome = await catalog.SetIngressAsync(tunnel, request.Rules, ct);
        return outcome.Succeeded ? TypedResults.Ok(ToResponse(outcome.Value!, await LiveConnections.ListAsync(db, outcome.Value!.Id, ct))) : Problems.From(outcome);
    }

    private static IngressResponse ToResponse(Model.TunnelEntity tunnel, IReadOnlyCollection<Model.ConnectionEntity> live) =>
        new(tunnel.IngressJson is not null, tunnel.IngressJson is null ? [] : JsonSerializer.Deserialize<List<JsonElement>>(tunnel.IngressJson)!,
            IngressRollout.Of(tunnel, live),
            tunnel.IngressJson is null ? [] : RuleCoverage.UnroutedRules(
                JsonSerializer.Deserialize<List<IngressRuleSpec>>(tunnel.IngressJson, IngressJson.SerializerOptions)!.Select(r => r.Hostname),
                tunnel.Hostnames.Select(h => h.Name).ToList(), tunnel.Name));
}

public sealed record SetIngressRequest(List<IngressRuleSpec>? Rules);

/// <summary>Rules as config.yml spells them; RemotelyManaged false means the connectors bring their own.</summary>
/// <param name="Status">Which live connections serve these rules and which connectors refused them (and why).</param>
/// <param name="Warnings">Rules whose hostname is not routed to the tunnel (their requests never arrive).</param>
public sealed record IngressResponse(bool RemotelyManaged, IReadOnlyList<JsonElement> Rules, IngressRollout Status, IReadOnlyList<string> Warnings);
