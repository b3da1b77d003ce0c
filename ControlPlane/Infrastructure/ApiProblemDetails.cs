namespace Tunnel.ControlPlane.Infrastructure;

/// <summary>
/// Problem answers the framework writes on its own (no route, wrong method, wrong media type) get a detail that
/// says what to do, as ours do: never a bare "404 Not Found".
/// </summary>
internal static class ApiProblemDetails
{
    public static void Explain(ProblemDetailsContext context)
    {
        if (context.ProblemDetails.Detail is not null)
        {
            return;
        }

        var request = context.HttpContext.Request;
        context.ProblemDetails.Detail = context.ProblemDetails.Status switch
        {
            StatusCodes.Status404NotFound => $"nothing at {request.Method} {request.Path}: check the path and that ids are ids (the API is described at /api/openapi.json)",
            StatusCodes.Status405MethodNotAllowed => $"{request.Path} does not take {request.Method} (the API is described at /api/openapi.json)",
            StatusCodes.Status415UnsupportedMediaType => "send the body as JSON with Content-Type: application/json",
            _ => null,
        };
    }
}
