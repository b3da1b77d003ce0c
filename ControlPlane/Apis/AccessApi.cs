using Microsoft.AspNetCore.Http.HttpResults;
using Tunnel.ControlPlane.Access;
using Tunnel.ControlPlane.Auth;
using Tunnel.ControlPlane.Model;
using Tunnel.Shared.Access;

namespace Tunnel.ControlPlane.Apis;

/// <summary>Access: applications and their policies, service tokens, and the identity provider edges log people in with.</summary>
public static class AccessApi
{
    public sealed record SaveApplicationRequest(string? Name, List<string>? Domains, int? SessionMinutes, List<AccessPolicy>? Policies);

    public sealed record CreateServiceTokenRequest(string? Name, int? ExpiresInDays);

    public sealed record ServiceTokenResponse(Guid Id, string Name, string ClientId, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt);

    public sealed record CreatedServiceTokenResponse(ServiceTokenResponse Info, string ClientSecret);

    public sealed record RevokeSessionsRequest(string? Email);

    public sealed record IdentityProviderRequest(string? AuthHostname, string? Authority, string? ClientId, string? ClientSecret, string? Scopes, string? GroupClaim, bool? SkipDiscoveryCheck = null);

    public sealed record IdentityProviderResponse(string? AuthHostname, string? Authority, string? ClientId, bool HasClientSecret, string Scopes, string GroupClaim, string? RedirectUri);

    public sealed record AccessDecisionResponse(string RequestId, string EdgeId, DateTimeOffset At, string Method, string Host, string Path,
        Guid? ApplicationId, string Application, string ReasonCode, string? Email, IReadOnlyList<string> Groups, string? ServiceToken, string? ClientIp,
        AccessExplanation? Explanation);

    public static RouteGroupBuilder MapAccessApi(this RouteGroupBuilder api)
    {
        var access = api.MapGroup("/access").WithTags("Access");
        access.MapGet("/apps", async (AccessCatalog catalog, CancellationToken ct) => TypedResults.Ok(await catalog.ListApplicationsAsync(ct)));
        access.MapPost("/apps", async Task<Results<Created<AccessApplication>, ProblemHttpResult>> (SaveApplicationRequest r, AccessCatalog catalog, CancellationToken ct) =>
        {
            var outcome = await catalog.SaveApplicationAsync(null, r.Name, r.Domains, r.SessionMinutes, r.Policies, ct);
            return outcome.Succeeded ? TypedResults.Created($"/api/access/apps/{outcome.Value!.Id}", outcome.Value) : Problems.From(outcome);
        });
        access.MapPut("/apps/{id:guid}", async Task<Results<Ok<AccessApplication>, ProblemHttpResult>> (Guid id, SaveApplicationRequest r, AccessCatalog catalog, CancellationToken ct) =>
        {
            var outcome = await catalog.SaveApplicationAsync(id, r.Name, r.Domains, r.SessionMinutes, r.Policies, ct);
            return outcome.Succeeded ? TypedResults.Ok(outcome.Value!) : Problems.From(outcome);
        });
        access.MapDelete("/apps/{id:guid}", async Task<Results<NoContent, ProblemHttpResult>> (Guid id, AccessCatalog catalog, CancellationToken ct) =>
        {
            var outcome = await catalog.DeleteApplicationAsync(id, ct);
            return outcome.Succeeded ? TypedResults.NoContent() : Problems.From(outcome);
        });

        // A GET: testing changes nothing, so viewers may test too.
        access.MapGet("/test", async Task<Results<Ok<PolicyTester.Answer>, ProblemHttpResult>> (string? url, string? email, string? groups, string? serviceToken,
            string? clientIp, PolicyTester tester, CancellationToken ct) =>
        {
            var outcome = await tester.TestAsync(new PolicyTester.Question(url, email, groups?.Split(','), serviceToken, clientIp), ct);
            return outcome.Succeeded ? TypedResults.Ok(outcome.Value!) : Problems.From(outcome);
        });

        access.MapGet("/decisions/{requestId}", async Task<Results<Ok<List<AccessDecisionResponse>>, ProblemHttpResult>> (string requestId,
            AccessDecisionStore store, CancellationToken ct) =>
        {
            var found = await store.FindAsync(requestId.Trim(), ct);
            return found.Count > 0 ? TypedResults.Ok(found.Select(ToResponse).ToList()) : Problems.NotFound(NoDecision(requestId));
        }).RequireAuthorization(Roles.CanWrite); // people's emails, groups and addresses: admins only

        access.MapGet("/service-tokens", async (AccessCatalog catalog, CancellationToken ct) =>
            TypedResults.Ok((await catalog.ListServiceTokensAsync(ct)).Select(ToResponse).ToList()));
        access.MapPost("/service-tokens", async Task<Results<Created<CreatedServiceTokenResponse>, ProblemHttpResult>> (CreateServiceTokenRequest r, AccessCatalog catalog, CancellationToken ct) =>
        {
            var outcome = await catalog.CreateServiceTokenAsync(r.Name, r.ExpiresInDays, ct);
            return outcome.Succeeded
                ? TypedResults.Created($"/api/access/service-tokens/{outcome.Value.Token.Id}", new CreatedServiceTokenResponse(ToResponse(outcome.Value.Token), outcome.Value.Secret))
                : Problems.From(outcome);
        });
        access.MapDelete("/service-tokens/{id:guid}", async Task<Results<NoContent, ProblemHttpResult>> (Guid id, AccessCatalog catalog, CancellationToken ct) =>
        {
            var outcome = await catalog.RevokeServiceTokenAsync(id, ct);
            return outcome.Succeeded ? TypedResults.NoContent() : Problems.From(outcome);
        });

        access.MapPost("/sessions/revoke", async Task<Results<Ok<RevokeSessionsRequest>, ProblemHttpResult>> (RevokeSessionsRequest r, AccessCatalog catalog, CancellationToken ct) =>
        {
            var outcome = await catalog.RevokeSessionsAsync(r.Email, ct);
            return outcome.Succeeded ? TypedResults.Ok(new RevokeSessionsRequest(outcome.Value)) : Problems.From(outcome);
        });
        access.MapGet("/identity-provider", async (AccessCatalog catalog, CancellationToken ct) => TypedResults.Ok(ToResponse(await catalog.LoadSettingsAsync(ct))));
        access.MapPut("/identity-provider", async Task<Results<Ok<IdentityProviderResponse>, ProblemHttpResult>> (IdentityProviderRequest r, AccessCatalog catalog, ProviderDiscovery discovery, CancellationToken ct) =>
        {
            var outcome = await catalog.SetIdentityProviderAsync(r.AuthHostname, r.Authority, r.ClientId, r.ClientSecret, r.Scopes, r.GroupClaim,
                r.SkipDiscoveryCheck == true ? null : discovery, ct);
            return outcome.Succeeded ? TypedResults.Ok(ToResponse(outcome.Value!)) : Problems.From(outcome);
        });
        return api;
    }

    public static string NoDecision(string requestId) =>
        $"no refused request has id '{requestId}': copy it from the refusal page; refusals are kept {AccessDecisionStore.Retention.TotalDays:0} days, and reach the control plane within seconds";

    public static AccessDecisionResponse ToResponse(AccessDecisionEntity d) =>
        new(d.RequestId, d.EdgeId, d.At, d.Method, d.Host, d.Path, d.ApplicationId, d.Application, d.ReasonCode, d.Email,
            AccessDecisionStore.GroupsOf(d), d.ServiceToken, d.ClientIp, ExplanationOf(d));

    private static AccessExplanation? ExplanationOf(AccessDecisionEntity d)
    {
        try
        {
            return AccessJson.Deserialize<AccessExplanation>(d.ExplanationJson);
        }
        catch (System.Text.Json.JsonException)
        {
            return null; // an edge of another version: the record without its steps
        }
    }

    private static ServiceTokenResponse ToResponse(ServiceTokenEntity t) => new(t.Id, t.Name, t.ClientId, t.CreatedAt, t.ExpiresAt, t.RevokedAt);

    private static IdentityProviderResponse ToResponse(AccessSettingsEntity s) =>
        new(s.AuthHostname, s.Authority, s.ClientId, s.ProtectedClientSecret is not null, s.Scopes, s.GroupClaim,
            s.AuthHostname is null ? null : $"https://{s.AuthHostname}/.tunnel/callback-oidc");
}
