using Microsoft.AspNetCore.Http.HttpResults;
using Tunnel.ControlPlane.Auth;
using Tunnel.ControlPlane.Model;

namespace Tunnel.ControlPlane.Apis;

/// <summary>People who signed in, and the role an admin set for one of them (overrides the OIDC claim at next sign-in).</summary>
public static class UsersApi
{
    public static RouteGroupBuilder MapUsersApi(this RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users").WithTags("Users");
        users.MapGet("/", async (UserDirectory directory, CancellationToken ct) =>
            TypedResults.Ok((await directory.ListAsync(ct)).Select(ToResponse).ToList()));
        users.MapPut("/{login}/role", async Task<Results<Ok<UserResponse>, ProblemHttpResult>> (
            string login, SetUserRoleRequest request, UserDirectory directory, CancellationToken ct) =>
        {
            var outcome = await directory.SetRoleAsync(login, request.Role, ct);
            return outcome.Succeeded ? TypedResults.Ok(ToResponse(outcome.Value!)) : Problems.From(outcome);
        });
        return api;
    }

    private static UserResponse ToResponse(UserEntity u) =>
        new(u.Login, u.Role, u.FirstSeenAt, u.LastSeenAt);
}
