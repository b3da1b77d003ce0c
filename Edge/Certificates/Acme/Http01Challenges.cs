using System.Collections.Concurrent;
using Tunnel.Edge.Hosting;

namespace Tunnel.Edge.Certificates.Acme;

/// <summary>
/// HTTP-01 answers (RFC 8555 §8.3) on this edge's public HTTP port while an authorization is pending: the CA fetches
/// http://NAME/.well-known/acme-challenge/TOKEN and gets the key authorization. Only tokens of this edge's own orders
/// answer; any other path (and any other token) goes on to the tunnel as usual.
/// </summary>
public sealed class Http01Challenges : IHttp01Responder
{
    public const string PathPrefix = "/.well-known/acme-challenge/";
    private readonly ConcurrentDictionary<string, string> _pending = new(StringComparer.Ordinal);

    public void Add(string token, string keyAuthorization) => _pending[token] = keyAuthorization;

    public void Remove(string token) => _pending.TryRemove(token, out _);

    public static void UseHttp01Challenges(IApplicationBuilder app, EdgeOptions options)
    {
        var challenges = app.ApplicationServices.GetRequiredService<Http01Challenges>();
        app.Use((context, next) =>
        {
            var path = context.Request.Path.Value;
            if (path is not null && path.StartsWith(PathPrefix, StringComparison.Ordinal) && !context.Request.IsHttps
                && EdgeListeners.Of(context, options) == Listener.Public && challenges._pending.TryGetValue(path[PathPrefix.Length..], out var answer))
            {
                context.Response.ContentType = "application/octet-stream";
                return context.Response.WriteAsync(answer);
            }

            return next(context);
        });
    }
}
