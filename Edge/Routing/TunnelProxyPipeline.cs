using Tunnel.Edge.Config;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Tunnel.Edge.Routing;

/// <summary>What runs around YARP's forwarder for tunnel routes: http_status rules, offline tunnels, TCP services, and clear pages for failures.</summary>
public static class TunnelProxyPipeline
{
    public static void Configure(IReverseProxyApplicationBuilder pipeline)
    {
        pipeline.Use(AnswerStatusRules);
        pipeline.UseWebSockets();
        pipeline.Use(TcpOverWebSocket.AnswerTcpRules);
        pipeline.Use(WriteErrorPages);
        pipeline.Use(RetryOnLostConnection);
        pipeline.UseLoadBalancing();
    }

    private static Task AnswerStatusRules(HttpContext context, Func<Task> next)
    {
        var metadata = context.GetReverseProxyFeature().Route.Config.Metadata;
        if (metadata?.GetValueOrDefault(TunnelRouteMetadata.Status) is { } status && int.TryParse(status, out var code))
        {
            context.Response.StatusCode = code;
            return Task.CompletedTask;
        }

        if (metadata?.GetValueOrDefault(TunnelRouteMetadata.NoRule) is { } owner)
        {
            return UnroutedRequests.NoIngressRuleAsync(context, owner);
        }

        if (metadata?.GetValueOrDefault(TunnelRouteMetadata.IngressRefused) is { } refusal)
        {
            // The reason may name paths on the connector's host: only identified people see it, everyone sees what to do.
            return ErrorPages.OriginFailedAsync(context, StatusCodes.Status502BadGateway, ErrorCodes.IngressRefused, "Ingress rules refused",
                $"The connectors of tunnel '{metadata[TunnelRouteMetadata.Offline]}' refused its ingress rules: {refusal}. Fix them and set them again (tunnel ingress set), or run tunnel info for details.",
                $"The connectors of {ErrorPages.HostOf(context)} refused the ingress rules they were given, and have no others to serve. " +
                $"The details are in `tunnel info` and in the edge's log under request id {context.TraceIdentifier}.");
        }

        if (metadata?.GetValueOrDefault(TunnelRouteMetadata.Offline) is { } tunnelName)
        {
            return ErrorPages.TunnelOfflineAsync(context, tunnelName, "no connector of it is online");
        }

        return next();
    }

    /// <summary>
    /// A pooled upstream connection can die with the connector connection under it a moment before a request
    /// takes it. A request without a body that failed before any response byte is sent once more, on a fresh stream.
    /// </summary>
    private static async Task RetryOnLostConnection(HttpContext context, Func<Task> next)
    {
        await next();
        var error = context.Features.Get<IForwarderErrorFeature>();
        var request = context.Request;
        if (error is { Error: ForwarderError.Request } && !context.Response.HasStarted
            && (request.ContentLength ?? 0) == 0 && !request.Headers.ContainsKey("Transfer-Encoding")
            && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
            && Find<IOException>(error.Exception) is not null
            && Find<TunnelUnavailableException>(error.Exception) is null && Find<OriginUnreachableException>(error.Exception) is null)
        {
            context.Features.Set<IForwarderErrorFeature>(null);
            context.Response.StatusCode = StatusCodes.Status200OK;
            await next();
        }
    }

    private static async Task WriteErrorPages(HttpContext context, Func<Task> next)
    {
        await next();
        var error = context.Features.Get<IForwarderErrorFeature>();
        if (error is null || context.Response.HasStarted)
        {
            return;
        }

        if (Find<TunnelUnavailableException>(error.Exception) is { } unavailable)
        {
            var tunnelId = context.GetReverseProxyFeature().Route.Config.Metadata?.GetValueOrDefault(TunnelRouteMetadata.TunnelId) ?? "";
            var name = context.RequestServices.GetRequiredService<ConfigStore>().FindTunnel(tunnelId)?.Name ?? tunnelId;
            await ErrorPages.TunnelOfflineAsync(context, name, unavailable.Message);
            return;
        }

        if (Find<BadHttpRequestException>(error.Exception) is { } client)
        {
            // The client's body broke while the edge read it (past the limit, a malformed chunk, too slow): not the origin's
            // fault, and answered with the status Kestrel gave it (413, 400, 408).
            var host = ErrorPages.HostOf(context);
            await (client.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? ErrorPages.WriteAsync(context, client.StatusCode, ErrorCodes.BodyTooLarge, "Request body too large",
                    $"The request's body grew past the most {host} accepts: {client.Message}")
                : ErrorPages.WriteAsync(context, client.StatusCode, ErrorCodes.BadRequestBody, "Request body unreadable",
                    $"The request's body could not be read: {client.Message}"));
            return;
        }

        if (Find<OriginUnreachableException>(error.Exception) is { } origin)
        {
            await ErrorPages.OriginFailedAsync(context, StatusCodes.Status502BadGateway, ErrorCodes.OriginUnreachable, "Origin unreachable",
                $"The connector could not reach the origin: {origin.Message}");
            return;
        }

        var (status, code, title) = error.Error == ForwarderError.RequestTimedOut
            ? (StatusCodes.Status504GatewayTimeout, ErrorCodes.OriginTimeout, "Origin timed out")
            : (StatusCodes.Status502BadGateway, ErrorCodes.OriginError, "Bad gateway");
        await ErrorPages.OriginFailedAsync(context, status, code, title,
            $"The request to the origin failed ({error.Error}): {error.Exception?.GetBaseException().Message ?? "no detail"}");
    }

    private static T? Find<T>(Exception? exception) where T : Exception
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is T match)
            {
                return match;
            }
        }

        return null;
    }
}
