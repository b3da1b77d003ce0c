using System.Collections.Concurrent;
using System.Net.Security;
using System.Net.Sockets;
using Tunnel.Shared.Ingress;

namespace Tunnel.Connector.Ingress;

/// <summary>
/// An http:// rule pointed at an HTTPS origin looks, from the edge, like a connection closed without an answer. When
/// a plain-http origin closes a stream without sending a byte, this tries a TLS handshake with it (once a minute per
/// origin, in the background) and, if it speaks TLS, says so in the connector's log with the rule to write instead.
/// </summary>
public sealed class OriginTlsProbe(ILogger logger)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _probed = new(StringComparer.Ordinal);

    public void AfterSilentClose(OriginService service)
    {
        var now = DateTimeOffset.UtcNow;
        if (service.Kind != OriginKind.Http || (_probed.TryGetValue(service.Text, out var last) && now - last < Interval))
        {
            return;
        }

        _probed[service.Text] = now;
        _ = ProbeAsync(service);
    }

    /// <summary>True when the origin completes a TLS handshake (any certificate: only the protocol matters here).</summary>
    public static async Task<bool> SpeaksTlsAsync(string host, int port, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(host, port, timeout.Token);
            await using var tls = new SslStream(tcp.GetStream());
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = host,
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            }, timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            return false;
        }
    }

    private async Task ProbeAsync(OriginService service)
    {
        if (await SpeaksTlsAsync(service.Host, service.Port, CancellationToken.None))
        {
            var https = "https" + service.Text["http".Length..];
            logger.LogWarning("Origin {Service} closed the connection without answering, and it speaks TLS: it is an HTTPS server. " +
                "Write {Https} in the ingress rule (add originRequest noTLSVerify: true, or caPool, for a private certificate)", service.Text, https);
        }
    }
}
