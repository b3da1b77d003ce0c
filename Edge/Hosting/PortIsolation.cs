namespace Tunnel.Edge.Hosting;

/// <summary>
/// Keeps each listener to its job: the connector port serves only the connector gRPC service, the management
/// port only health and metrics endpoints, and the public ports never serve either.
/// </summary>
internal static class PortIsolation
{
    public static IApplicationBuilder UsePortIsolation(this IApplicationBuilder app, EdgeOptions options) =>
        app.Use((context, next) =>
        {
            var port = context.Connection.LocalPort;
            var path = context.Request.Path;
            var isGrpc = context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true;
            var isHealth = path == "/healthz" || path == "/readyz" || path == "/metrics";
            var allowed = port == options.ConnectorPort ? isGrpc
                : port == options.ManagementPort ? isHealth
                : !isGrpc || !path.StartsWithSegments("/tunnel.v1.TunnelEdge");
            if (!allowed)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            return next(context);
        });
}
