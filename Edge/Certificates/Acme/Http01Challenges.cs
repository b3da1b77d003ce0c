using Tunnel.Edge.Hosting;

namespace Tunnel.Edge.Certificates.Acme;

/// <summary>
/// HTTP-01 answers (RFC 8555 §8.3) on the public HTTP port while an authorization is pending anywhere in the cluster:
/// the CA fetches http://NAME/.well-known/acme-challenge/TOKEN and gets the key authorization. Only pending tokens
/// answer; any other path (and any other token) goes on to the tunnel as usual.
/// </summary>
public static class Http01Challenges
{
    public const string PathPrefix = "/.well-known/acme-challenge/";

    public static void UseHttp01Challenges(IApplicationBuilder app, EdgeOptions options)
    {
        var challenges = app.ApplicationServices.GetRequiredService<ClusterChallenges>();
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path.Value;
            if (path is not null && path.StartsWith(PathPrefix, StringComparison.Ordinal) && !context.Request.IsHttps
                && EdgeListeners.Of(context, options) == Listener.Public
                && HostOf(context) is { } host && await challenges.Http01Async(path[PathPrefix.Length..], host) is { } answer)
            {
                context.Response.ContentType = "application/octet-stream";
                await context.Response.WriteAsync(answer);
                return;
            }

            await next(context);
        });
    }

    /// <summary>
    /// The name asked for, in its normal form, from the raw header (this runs before the request target is made
    /// canonical, and HttpRequest.Host throws on malformed punycode); null for a name that is not one: no answer here,
    /// and the edge's bad_host page next.
    /// </summary>
    private static string? HostOf(HttpContext context) =>
        Tunnel.Shared.Ingress.HostnameForm.Normalize(RequestTarget.RequestTargetMiddleware.SplitHostAndPort(context.Request.Headers.Host.ToString()).Host);
}
