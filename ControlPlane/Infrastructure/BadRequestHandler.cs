using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Tunnel.Shared.Serialization;

namespace Tunnel.ControlPlane.Infrastructure;

/// <summary>
/// A body the API cannot read (not JSON, an unknown key, a wrong type) is answered with a problem+json whose
/// detail names the key's path and what was expected, never a bare "400 Bad Request".
/// </summary>
internal sealed class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        var detail = bad.InnerException is JsonException json
            ? $"the request body is not what this endpoint takes: {JsonErrors.Describe(json)}"
            : bad.Message;
        context.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = bad.StatusCode, Title = "Invalid request", Detail = detail },
        });
    }
}
