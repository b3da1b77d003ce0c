using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Tunnel.Edge.Routing;

/// <summary>
/// An origin cannot speak as the edge: the headers the edge marks its own answers with (ErrorPages) are dropped from
/// every origin response, so clients, the traffic charts and the inspector never take an origin's page for the edge's.
/// </summary>
public static class OriginResponseTransform
{
    public static void Apply(TransformBuilderContext context)
    {
        context.AddResponseTransform(transform =>
        {
            Strip(transform.HttpContext.Response.Headers);
            return ValueTask.CompletedTask;
        });
        context.AddResponseTrailersTransform(transform =>
        {
            // Trailers too (HTTP/2, chunked HTTP/1.1): nothing of the edge's reads them, but a client might.
            if (transform.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseTrailersFeature>()?.Trailers is { IsReadOnly: false } trailers)
            {
                Strip(trailers);
            }

            return ValueTask.CompletedTask;
        });
    }

    private static void Strip(IHeaderDictionary headers)
    {
        headers.Remove(ErrorPages.ErrorHeader);
        headers.Remove(ErrorPages.ErrorDetailHeader);
    }
}
