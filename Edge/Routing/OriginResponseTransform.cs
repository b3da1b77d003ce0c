using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Tunnel.Edge.Routing;

/// <summary>
/// An origin cannot speak as the edge: the headers the edge marks its own answers with (ErrorPages) are dropped from
/// every origin response, so clients, the traffic charts and the inspector never take an origin's page for the edge's.
/// </summary>
public static class OriginResponseTransform
{
    public static void Apply(TransformBuilderContext context) =>
        context.AddResponseTransform(transform =>
        {
            var headers = transform.HttpContext.Response.Headers;
            headers.Remove(ErrorPages.ErrorHeader);
            headers.Remove(ErrorPages.ErrorDetailHeader);
            return ValueTask.CompletedTask;
        });
}
