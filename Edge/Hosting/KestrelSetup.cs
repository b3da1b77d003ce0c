using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Tunnel.Edge.Certificates;

namespace Tunnel.Edge.Hosting;

internal static class KestrelSetup
{
    /// <summary>
    /// Public listeners (HTTPS with SNI, optional plain HTTP) and the connector listener (TLS, HTTP/2 only,
    /// large flow-control windows so one bulk transfer fills the pipe without starving other streams).
    /// </summary>
    public static void UseEdgeListeners(this WebApplicationBuilder builder, EdgeOptions options)
    {
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var store = kestrel.ApplicationServices.GetRequiredService<CertificateStore>();
            var address = IPAddress.Parse(options.BindAddress);
            var tls = new HttpsConnectionAdapterOptions { ServerCertificateSelector = (_, name) => store.Select(name) };

            // Kestrel's limits are per server, not per listener: these fit the connector listener (many streams and
            // large windows per connection); the public side is bounded per connection, client and hostname by
            // RequestLimits. Slow request bodies are cut on every listener; gRPC turns the rate off for its own streams.
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
            // A download flows connector -> edge, so this window is what one transfer may have in flight on a
            // wide-area leg: Kestrel returns credit after half of it is read, so 4 MiB held a 50 ms round trip to
            // ~38 MB/s (as `ssh -R`'s 2 MiB channel window does). One stream may use the whole connection window. The
            // cost, since the limits are per server: a public HTTP/2 request whose origin does not read its body can
            // hold 16 MiB (was 4) until the request ends; the public bounds count requests in flight (RequestLimits).
            kestrel.Limits.Http2.InitialConnectionWindowSize = 16 * 1024 * 1024;
            kestrel.Limits.Http2.InitialStreamWindowSize = 16 * 1024 * 1024;
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(options.MinRequestBodyBytesPerSecond, TimeSpan.FromSeconds(5));
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            // Kestrel's own limit answers a bare 431 before any middleware runs; keep it well above ours so the
            // edge's page (RequestHeaderLimit) says what happened.
            kestrel.Limits.MaxRequestHeadersTotalSize = Math.Max(options.MaxRequestHeaderBytes * 4, 128 * 1024);
            kestrel.Limits.MaxRequestLineSize = 64 * 1024;

            if (options.PublicHttpsPort > 0)
            {
                // Certificates by SNI from one place (CertificateStore). A ClientHello that asks only for acme-tls/1 gets
                // the TLS-ALPN-01 answer of any edge's pending challenge instead (Kestrel's callback does not see ALPN:
                // it is read first, on every edge, since the CA may reach any of them).
                var alpn = kestrel.ApplicationServices.GetRequiredService<Certificates.Acme.TlsAlpn01>();
                kestrel.Listen(address, options.PublicHttpsPort, l =>
                {
                    l.Protocols = HttpProtocols.Http1AndHttp2;
                    l.Use(Certificates.Acme.TlsAlpn01.Peek(TimeSpan.FromSeconds(10)));
                    l.UseHttps(new TlsHandshakeCallbackOptions
                    {
                        OnConnection = async c => await alpn.ForAsync(c.Connection, c.ClientHelloInfo.ServerName)
                            ?? new System.Net.Security.SslServerAuthenticationOptions { ServerCertificateContext = store.SelectContext(c.ClientHelloInfo.ServerName) },
                    });
                });
            }

            if (options.PublicHttpPort > 0)
            {
                kestrel.Listen(address, options.PublicHttpPort, l => l.Protocols = HttpProtocols.Http1);
            }

            kestrel.Listen(IPAddress.Parse(options.ManagementBindAddress), options.ManagementPort, l => l.Protocols = HttpProtocols.Http1);

            kestrel.Listen(address, options.ConnectorPort, l =>
            {
                l.Protocols = HttpProtocols.Http2;
                l.UseHttps(tls);
            });

            if (options.Peering)
            {
                kestrel.Listen(address, options.PeerPort, l =>
                {
                    l.Protocols = HttpProtocols.Http2;
                    l.UseHttps(tls);
                });
            }
        });
    }
}
