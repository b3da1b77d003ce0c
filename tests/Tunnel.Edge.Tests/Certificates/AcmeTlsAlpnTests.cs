using System.Formats.Asn1;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CsCheck;
using Tunnel.Edge.Certificates.Acme;
using Tunnel.Shared.Protocol;

namespace Tunnel.Edge.Tests.Certificates;

/// <summary>
/// TLS-ALPN-01's pieces: the ALPN list read from a ClientHello's first bytes (what tells the CA's validation handshake
/// apart), the validation certificate, and renewal's timing.
/// </summary>
public sealed class AcmeTlsAlpnTests
{
    /// <summary>The first bytes a real .NET TLS client sends, offering these protocols.</summary>
    private static async Task<byte[]> ClientHelloAsync(string[] protocols, string host = "example.test")
    {
        var captured = new MemoryStream();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var recorder = new RecordingStream(captured);
        await using var tls = new SslStream(recorder);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = host,
            ApplicationProtocols = protocols.Select(p => new SslApplicationProtocol(p)).ToList(),
        };
        try
        {
            await tls.AuthenticateAsClientAsync(options, cts.Token);
        }
        catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException)
        {
            // The recorder answers nothing: all that matters is what the client wrote first.
        }

        return captured.ToArray();
    }

    [Fact]
    public async Task A_real_client_hello_gives_exactly_the_protocols_it_offers()
    {
        foreach (var protocols in new[] { new[] { "acme-tls/1" }, ["h2", "http/1.1"], ["http/1.1"] })
        {
            var hello = await ClientHelloAsync(protocols);
            var (status, read, _) = ClientHelloAlpn.Read(hello);
            Assert.Equal(ClientHelloAlpn.Status.Done, status);
            Assert.Equal(protocols, read);

            // Every shorter prefix asks for more, and for bytes it does not have yet; none is mistaken for a complete hello.
            for (var cut = 0; cut < hello.Length; cut += 7)
            {
                var prefix = ClientHelloAlpn.Read(hello.AsSpan(0, cut));
                Assert.Equal(ClientHelloAlpn.Status.NeedMore, prefix.Status);
                Assert.InRange(prefix.Needed, cut + 1, hello.Length);
            }
        }
    }

    /// <summary>A ClientHello built by hand: any ALPN list, other extensions around it, split over records of any size.</summary>
    private static byte[] Hello(IReadOnlyList<string> protocols, int otherExtensions, int recordSize)
    {
        var extensions = new List<byte>();
        for (var i = 0; i < otherExtensions; i++)
        {
            extensions.AddRange([0xFF, (byte)i, 0, 3, 1, 2, 3]);
        }

        if (protocols.Count > 0)
        {
            var list = protocols.SelectMany(p => new[] { (byte)p.Length }.Concat(Encoding.ASCII.GetBytes(p))).ToArray();
            extensions.AddRange([0, 16, (byte)((list.Length + 2) >> 8), (byte)(list.Length + 2), (byte)(list.Length >> 8), (byte)list.Length, .. list]);
        }

        var body = new List<byte> { 3, 3 };
        body.AddRange(new byte[32]);
        body.AddRange([0, 0, 2, 0x13, 0x01, 1, 0, (byte)(extensions.Count >> 8), (byte)extensions.Count]);
        body.AddRange(extensions);
        var handshake = new List<byte> { 1, (byte)(body.Count >> 16), (byte)(body.Count >> 8), (byte)body.Count };
        handshake.AddRange(body);
        var records = new List<byte>();
        foreach (var chunk in handshake.Chunk(recordSize))
        {
            records.AddRange([22, 3, 1, (byte)(chunk.Length >> 8), (byte)chunk.Length, .. chunk]);
        }

        return records.ToArray();
    }

    private static readonly Gen<string> Protocol = Gen.String[Gen.Char['!', '~'], 1, 20];

    [Fact]
    public void Any_alpn_list_is_read_back_whatever_the_other_extensions_and_the_record_sizes()
    {
        Gen.Select(Protocol.List[0, 6], Gen.Int[0, 5], Gen.Int[1, 300]).Sample((protocols, others, recordSize) =>
        {
            var hello = Hello(protocols, others, recordSize);
            var records = 0;
            for (var at = 0; at < hello.Length; at += 5 + ((hello[at + 3] << 8) | hello[at + 4]))
            {
                records++;
            }

            var (status, read, _) = ClientHelloAlpn.Read(hello);
            // Split over more records than any real client uses, it is left to the handshake (offers nothing).
            return status == ClientHelloAlpn.Status.Done && (records <= 16 ? read.SequenceEqual(protocols) : read.Count == 0);
        });
    }

    [Fact]
    public void Any_bytes_at_all_are_answered_without_throwing()
    {
        Gen.Byte.Array[0, 600].Sample(bytes =>
        {
            var (status, read, needed) = ClientHelloAlpn.Read(bytes);
            return (status == ClientHelloAlpn.Status.Done || needed > bytes.Length) && read.All(p => p.Length > 0);
        });

        // A corrupted hello (one byte changed anywhere) never throws either.
        Gen.Select(Protocol.List[1, 3], Gen.Int[0, 400], Gen.Byte).Sample((protocols, at, value) =>
        {
            var hello = Hello(protocols, 2, 1000);
            hello[at % hello.Length] = value;
            _ = ClientHelloAlpn.Read(hello);
        });
    }

    [Fact]
    public void Plain_http_and_other_records_offer_nothing()
    {
        Assert.Equal((ClientHelloAlpn.Status.Done, 0), (ClientHelloAlpn.Read("GET / HTTP/1.1\r\n\r\n"u8).Status, ClientHelloAlpn.Read("GET / HTTP/1.1\r\n\r\n"u8).Protocols.Count));
        Assert.Empty(ClientHelloAlpn.Read([23, 3, 3, 0, 5, 1, 2, 3, 4, 5]).Protocols); // application data, not a handshake
    }

    [Fact]
    public void The_validation_certificate_names_the_name_and_carries_the_key_authorizations_digest_critically()
    {
        using var certificate = TlsAlpn01.Certificate("app.example.com", "token.thumbprint");
        Assert.Equal(["app.example.com"], certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames());
        var acme = certificate.Extensions["1.3.6.1.5.5.7.1.31"]!;
        Assert.True(acme.Critical);
        var digest = new AsnReader(acme.RawData, AsnEncodingRules.DER).ReadOctetString();
        Assert.Equal(SHA256.HashData("token.thumbprint"u8), digest);
        Assert.True(certificate.HasPrivateKey);
    }

    [Fact]
    public void Renewal_comes_between_three_fifths_and_two_thirds_of_the_lifetime_and_differs_between_names()
    {
        var day = 24L * 3600 * 1000;
        var at = new System.Collections.Concurrent.ConcurrentDictionary<long, bool>(); // Sample runs in parallel
        Gen.String[Gen.Char['a', 'z'], 1, 30].Sample(name =>
        {
            var stamp = new CertificateStamp { Name = name + ".example.com", Thumbprint = "AB", NotBeforeMs = 0, NotAfterMs = 90 * day };
            var renew = AcmeIssuer.RenewAt(stamp);
            at[renew] = true;
            return renew <= 60 * day && renew >= 51 * day;
        });
        Assert.True(at.Count > 10, "names renew at the same moment");
    }

    [Fact]
    public void The_dns_01_record_is_the_base64url_digest_of_the_key_authorization()
    {
        // RFC 8555 §8.4: TXT = base64url(SHA-256(key authorization)), no padding.
        var value = Dns01Updates.TxtValue("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI");
        Assert.Equal(43, value.Length);
        Assert.DoesNotContain('=', value);
        Assert.Equal(System.Buffers.Text.Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(
            "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"))), value);
    }

    /// <summary>Keeps what is written; reads end at once (the server never answers).</summary>
    private sealed class RecordingStream(MemoryStream sink) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => 0;
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => sink.Write(buffer, offset, count);
    }
}
