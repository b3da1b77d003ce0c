using Microsoft.AspNetCore.Http.HttpResults;

namespace Tunnel.ControlPlane.Apis;

internal static class Problems
{
    public static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid input", detail: detail);

    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: detail);

    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: detail);

    public static ProblemHttpResult UnknownTunnel(string tunnel) =>
        NotFound($"no tunnel named or with id '{tunnel}': list them with `tunnel list`");
}
