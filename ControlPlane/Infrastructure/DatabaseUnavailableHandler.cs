using System.Data.Common;
using Microsoft.AspNetCore.Diagnostics;

namespace Tunnel.ControlPlane.Infrastructure;

/// <summary>
/// A request that failed because the database is unreachable (restart, outage) gets a 503 that says so and when
/// to retry, not a bare 500. Edges keep serving from their snapshots meanwhile.
/// </summary>
internal sealed class DatabaseUnavailableHandler(IProblemDetailsService problems, ILogger<DatabaseUnavailableHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var transient = Chain(exception).OfType<DbException>().FirstOrDefault(e => e.IsTransient);
        if (transient is null)
        {
            return false;
        }

        logger.LogWarning("Database unreachable while serving {Path}: {Error}", context.Request.Path, transient.Message);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "5";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Database unavailable",
                Detail = "The control plane cannot reach its database right now; nothing was changed. Retry in a few seconds. Edges keep serving the last configuration meanwhile.",
            },
        });
    }

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }
}
