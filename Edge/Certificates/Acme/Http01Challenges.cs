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
                && await challenges.Http01Async(path[PathPrefix.Length..], context.Request.Host.Host) is { } answer)
            {
                context.Response.ContentType = "application/octet-stream";
                await context.Response.WriteAsync(answer);
                return;
            }

            await next(context);
        });
    }
}
