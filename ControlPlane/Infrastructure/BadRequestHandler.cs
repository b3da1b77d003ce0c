using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Tunnel.Shared.Serialization;

namespace Tunnel.ControlPlane.Infrastructure;

/// <summary>
/// A body the API cannot read (not JSON, an unknown key, a wrong type) is answered with a problem+json whose
/// detail names the key's path and what was expected, never a bare "400 Bad Request".
/// </summary>
internal sealed partial class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        var detail = bad.InnerException is JsonException json ? $"the request body is not what this endpoint takes: {JsonErrors.Describe(json)}"
            : bad.Message.StartsWith("Implicit body inferred", StringComparison.Ordinal) || bad.Message.StartsWith("Required parameter", StringComparison.Ordinal)
                ? "this endpoint takes a JSON body (Content-Type: application/json); none was sent. The API is described at /api/openapi.json"
            : bad.StatusCode == StatusCodes.Status415UnsupportedMediaType ? "send the body as JSON with Content-Type: application/json"
            : BindFailure().Match(bad.Message) is { Success: true } bind ? $"parameter '{bind.Groups[1].Value}' cannot be '{bind.Groups[2].Value}': check its type in /api/openapi.json"
            : bad.Message;
        context.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = bad.StatusCode, Title = "Invalid request", Detail = detail },
        });
    }

    [System.Text.RegularExpressions.GeneratedRegex("""Failed to bind parameter "[^"]* (\w+)" from "([^"]*)".""")]
    private static partial System.Text.RegularExpressions.Regex BindFailure();
}
