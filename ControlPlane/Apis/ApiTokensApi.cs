using Microsoft.AspNetCore.Http.HttpResults;
using Tunnel.ControlPlane.Auth;
using Tunnel.ControlPlane.Model;

namespace Tunnel.ControlPlane.Apis;

public static class ApiTokensApi
{
    public static RouteGroupBuilder MapApiTokensApi(this RouteGroupBuilder api)
    {
        var tokens = api.MapGroup("/tokens").WithTags("API tokens");
        tokens.MapGet("/", async (ApiTokenStore store, CancellationToken ct) =>
            TypedResults.Ok((await store.ListAsync(ct)).Select(ToResponse).ToList()));
        tokens.MapPost("/", async Task<Results<Created<CreatedApiTokenResponse>, ProblemHttpResult>> (
            CreateApiTokenRequest request, ApiTokenStore store, CancellationToken ct) =>
        {
            var outcome = await store.CreateAsync(request.Name, request.Role, request.ExpiresInDays, ct);
            return outcome.Succeeded
                ? TypedResults.Created($"/api/tokens/{outcome.Value.Entity.Id}", new CreatedApiTokenResponse(ToResponse(outcome.Value.Entity), outcome.Value.Token))
                : Problems.From(outcome);
        });
        tokens.MapDelete("/{id:guid}", async Task<Results<NoContent, ProblemHttpResult>> (Guid id, ApiTokenStore store, CancellationToken ct) =>
        {
            var outcome = await store.RevokeAsync(id, ct);
            return outcome.Succeeded ? TypedResults.NoContent() : Problems.From(outcome);
        });
        return api;
    }

    internal static ApiTokenResponse ToResponse(ApiTokenEntity t) =>
        new(t.Id, t.Name, t.Role, t.Prefix, t.CreatedBy, t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt);
}
