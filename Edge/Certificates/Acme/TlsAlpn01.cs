using System.Buffers;
using System.Collections.Concurrent;
using System.Formats.Asn1;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Connections;

namespace Tunnel.Edge.Certificates.Acme;

/// <summary>
/// TLS-ALPN-01 (RFC 8737) on the public HTTPS port: a handshake that offers only "acme-tls/1" for a name with a pending
/// challenge gets a self-signed certificate for that name carrying the key authorization's digest in the critical
/// id-pe-acmeIdentifier extension, and the protocol acme-tls/1; no HTTP is spoken on it. Other handshakes are untouched.
/// </summary>
public sealed class TlsAlpn01(ClusterChallenges challenges)
{
    public static readonly SslApplicationProtocol Protocol = new("acme-tls/1"u8.ToArray());
    private const string OfferedKey = "tunnel.alpn.acme";
    private readonly ConcurrentDictionary<string, SslStreamCertificateContext> _byKeyAuthorization = new(StringComparer.Ordinal);

    /// <summary>
    /// Connection middleware, ahead of TLS: reads the ClientHello's ALPN list without consuming or examining a byte (the
    /// handshake then reads it all as if nothing had looked), waiting each time for the whole record the headers announce.
    /// </summary>
    public static Func<ConnectionDelegate, ConnectionDelegate> Peek(TimeSpan timeout) => next => async connection =>
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        cts.CancelAfter(timeout);
        var input = connection.Transport.Input;
        var needed = 5;
        try
        {
            while (true)
            {
                var result = await input.ReadAtLeastAsync(needed, cts.Token);
                var buffer = result.Buffer;
                var hello = buffer.Slice(0, Math.Min(buffer.Length, ClientHelloAlpn.MaxBytes + 5));
                var (status, protocols, more) = ClientHelloAlpn.Read(hello.IsSingleSegment ? hello.FirstSpan : hello.ToArray());
                input.AdvanceTo(buffer.Start);
                if (status == ClientHelloAlpn.Status.Done || result.IsCompleted || result.IsCanceled)
                {
                    if (protocols.Count == 1 && protocols[0] == "acme-tls/1")
                    {
                        connection.Items[OfferedKey] = true;
                    }

                    break;
                }

                needed = more;
            }
        }
        catch (OperationCanceledException)
        {
            connection.Abort(new ConnectionAbortedException("no ClientHello in time"));
            return;
        }

        await next(connection);
    };

    /// <summary>The challenge's TLS options when the handshake asks for acme-tls/1 and the name has a pending challenge; else null.</summary>
    public async ValueTask<SslServerAuthenticationOptions?> ForAsync(ConnectionContext connection, string? serverName)
    {
        if (!connection.Items.ContainsKey(OfferedKey) || string.IsNullOrEmpty(serverName)
            || await challenges.TlsAlpn01Async(serverName) is not { } keyAuthorization)
        {
            return null;
        }

        var context = _byKeyAuthorization.GetOrAdd(keyAuthorization, k => SslStreamCertificateContext.Create(Certificate(serverName, k), null, offline: true));
        if (_byKeyAuthorization.Count > 64)
        {
            _byKeyAuthorization.Clear(); // challenges are short-lived; never let old ones pile up
        }

        return new SslServerAuthenticationOptions { ServerCertificateContext = context, ApplicationProtocols = [Protocol] };
    }

    /// <summary>The validation certificate: the name in the SAN, SHA-256(key authorization) in id-pe-acmeIdentifier (critical).</summary>
    public static X509Certificate2 Certificate(string name, string keyAuthorization)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={(name.Length <= 64 ? name : "acme")}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        request.CertificateExtensions.Add(san.Build());
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteOctetString(SHA256.HashData(Encoding.ASCII.GetBytes(keyAuthorization)));
        request.CertificateExtensions.Add(new X509Extension("1.3.6.1.5.5.7.1.31", writer.Encode(), critical: true));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }
}
