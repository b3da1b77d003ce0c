using Microsoft.AspNetCore.Http.HttpResults;
using Tunnel.ControlPlane.Tunnels;

namespace Tunnel.ControlPlane.Apis;

internal static class Problems
{
    public static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid input", detail: detail);

    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: detail);

    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: detail);

    public static ProblemHttpResult From<T>(Outcome<T> failed) => failed.Kind switch
    {
        FailureKind.NotFound => NotFound(failed.Error!),
        FailureKind.Conflict => Conflict(failed.Error!),
        _ => BadRequest(failed.Error!),
    };

    /// <summary>For places outside an endpoint (authentication handlers) that must answer with a problem body.</summary>
    public static Task WriteAsync(HttpContext context, int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail).ExecuteAsync(context);
}
