using System.Net.Http;
using System.Net.Sockets;
using System.Security.Authentication;
using Grpc.Core;

namespace Tunnel.Connector.Supervisor;

/// <summary>
/// Says why a connection to the edge failed in the words of the mistake behind it (nothing listening, not a connector
/// port, an untrusted certificate) rather than gRPC's; and whether waiting can fix it (an edge may come up; a
/// certificate the connector does not trust stays untrusted).
/// </summary>
public static class EdgeFailure
{
    public static (string Reason, bool Fatal) Describe(Exception ex, Uri edgeUrl)
    {
        var at = $"{edgeUrl.Host}:{edgeUrl.Port}";
        var chain = Chain(ex).ToList();
        if (chain.OfType<SocketException>().FirstOrDefault() is { } socket)
        {
            return socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => ($"nothing is listening at {at}: is the edge running, and is this its connector port (--edge, or the token's edge address)?", false),
                SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => ($"the edge's hostname {edgeUrl.Host} does not resolve", false),
                _ => ($"cannot reach the edge at {at}: {socket.Message}", false),
            };
        }

        if (chain.OfType<AuthenticationException>().FirstOrDefault() is { } tls)
        {
            // .NET words it "…errors in the certificate chain: PartialChain" (or UntrustedRoot), or names the policy error.
            if (tls.Message.Contains("certificate chain", StringComparison.Ordinal) || tls.Message.Contains("RemoteCertificateChainErrors", StringComparison.Ordinal))
            {
                return ($"the edge's certificate at {at} is not trusted: pass --edge-ca (or TUNNEL_EDGE_CA) with the PEM file of its CA, for a private CA", true);
            }

            if (tls.Message.Contains("RemoteCertificateNameMismatch", StringComparison.Ordinal) || tls.Message.Contains("certificate name", StringComparison.Ordinal))
            {
                return ($"the certificate at {at} is not for {edgeUrl.Host}: use the edge's name in --edge", true);
            }

            return ($"{at} is not an edge's connector port: the TLS handshake failed ({tls.Message})", false);
        }

        // A plain HTTP server, or a TLS server without HTTP/2 (a web server, the edge's public port behind a proxy),
        // or an HTTP/2 server with no tunnel service (the edge's public port): not where connectors go.
        if (chain.Any(e => e is HttpProtocolException || (e is IOException && e.Message.Contains("unexpected EOF", StringComparison.OrdinalIgnoreCase)))
            || chain.OfType<HttpRequestException>().Any(e => e.Message.Contains("HTTP/2", StringComparison.Ordinal))
            || chain.OfType<RpcException>().Any(e => e.StatusCode is StatusCode.Unimplemented
                || (e.StatusCode is StatusCode.Internal or StatusCode.Unknown or StatusCode.Unavailable && e.Status.Detail.Contains("HTTP status code", StringComparison.Ordinal))))
        {
            return ($"{at} is not an edge's connector port: it answered, but not as an edge's connector port does (check --edge, or the token's edge address)", false);
        }

        return (ex is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : ex.Message, false);
    }

    private static IEnumerable<Exception> Chain(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is RpcException { Status.DebugException: { } debug })
            {
                foreach (var inner in Chain(debug))
                {
                    yield return inner;
                }
            }
        }
    }
}
