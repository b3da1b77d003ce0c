using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Tunnel.Edge.Routing;

/// <summary>Gives every forwarded request the edge's id for it (the one on the edge's error pages and logs); a client's own value is replaced.</summary>
public static class RequestIdTransform
{
    public const string Header = "X-Request-Id";

    public static void Apply(TransformBuilderContext context) =>
        context.AddRequestTransform(transform =>
        {
            var headers = transform.ProxyRequest.Headers;
            headers.Remove(Header);
            headers.TryAddWithoutValidation(Header, transform.HttpContext.TraceIdentifier);
            return ValueTask.CompletedTask;
        });
}
