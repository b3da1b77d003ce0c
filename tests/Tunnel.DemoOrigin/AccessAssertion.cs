using System.Buffers.Text;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Tunnel.DemoOrigin;

/// <summary>
/// How an origin checks who Access let through: verify the `Tunnel-Access-Jwt-Assertion` header (ES256) against
/// the edge's keys at https://AUTH_HOSTNAME/.tunnel/certs, then check issuer, audience (the application id) and expiry.
/// Configure with Access:JwksUrl, Access:Issuer, Access:Audience (and Access:CaPath for a development CA).
/// </summary>
public sealed class AccessAssertion(IConfiguration configuration)
{
    public const string Header = "Tunnel-Access-Jwt-Assertion";
    private readonly HttpClient _http = CreateClient(configuration["Access:CaPath"]);

    public async Task<(JsonElement? Claims, string? Error)> VerifyAsync(string? token)
    {
        var parts = token?.Split('.');
        if (parts is not { Length: 3 })
        {
            return (null, $"no {Header} header");
        }

        var header = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0])).RootElement;
        if (header.GetProperty("alg").GetString() != "ES256")
        {
            return (null, "unexpected algorithm");
        }

        JsonElement jwks;
        try
        {
            jwks = await _http.GetFromJsonAsync<JsonElement>(configuration["Access:JwksUrl"]);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or InvalidOperationException)
        {
            return (null, $"cannot fetch the keys from {configuration["Access:JwksUrl"]}: {ex.GetBaseException().Message}");
        }

        var kid = header.GetProperty("kid").GetString();
        var jwk = jwks.GetProperty("keys").EnumerateArray().FirstOrDefault(k => k.GetProperty("kid").GetString() == kid);
        if (jwk.ValueKind != JsonValueKind.Object)
        {
            return (null, $"signed with unknown key {kid}");
        }

        using var key = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = Base64Url.DecodeFromChars(jwk.GetProperty("x").GetString()), Y = Base64Url.DecodeFromChars(jwk.GetProperty("y").GetString()) },
        });
        var signed = Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}");
        if (!key.VerifyData(signed, Base64Url.DecodeFromChars(parts[2]), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
        {
            return (null, "bad signature");
        }

        var claims = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1])).RootElement.Clone();
        if (claims.GetProperty("iss").GetString() != configuration["Access:Issuer"])
        {
            return (null, "wrong issuer");
        }

        if (configuration["Access:Audience"] is { Length: > 0 } audience && claims.GetProperty("aud").GetString() != audience)
        {
            return (null, "token of another application");
        }

        return DateTimeOffset.FromUnixTimeSeconds(claims.GetProperty("exp").GetInt64()) < DateTimeOffset.UtcNow ? (null, "expired") : (claims, null);
    }

    /// <summary>Trusts a development CA when given, and sends *.localhost names DNS does not know to this machine (glibc does not resolve them).</summary>
    private static HttpClient CreateClient(string? caPath)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var host = context.DnsEndPoint.Host;
                System.Net.IPAddress[] addresses;
                try
                {
                    addresses = await System.Net.Dns.GetHostAddressesAsync(host, ct);
                }
                catch (SocketException) when (host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
                {
                    addresses = [System.Net.IPAddress.Loopback]; // a name DNS does not know (a container alias elsewhere)
                }

                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        if (caPath is not null)
        {
            var ca = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(caPath));
            handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, chain, errors) =>
            {
                if (cert is null || chain is null)
                {
                    return false;
                }

                chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                return chain.Build(new System.Security.Cryptography.X509Certificates.X509Certificate2(cert));
            };
        }

        return new HttpClient(handler);
    }
}
