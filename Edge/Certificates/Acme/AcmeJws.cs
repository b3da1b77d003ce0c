using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tunnel.Edge.Certificates.Acme;

/// <summary>
/// The account key and the JSON Web Signatures every ACME request is sent as (RFC 8555 §6.2, RFC 7515): ES256 over
/// P-256, the key itself (jwk) until the account exists, its URL (kid) after; and the key's thumbprint (RFC 7638)
/// that challenge answers are made of.
/// </summary>
public sealed class AcmeJws(ECDsa key)
{
    public ECDsa Key => key;

    public JsonObject Jwk()
    {
        var p = key.ExportParameters(includePrivateParameters: false);
        // Member order as RFC 7638 requires for the thumbprint: crv, kty, x, y.
        return new JsonObject { ["crv"] = "P-256", ["kty"] = "EC", ["x"] = Base64Url.EncodeToString(p.Q.X!), ["y"] = Base64Url.EncodeToString(p.Q.Y!) };
    }

    public string Thumbprint() => Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(Jwk().ToJsonString())));

    /// <summary>The key authorization for a challenge token (§8.1): what HTTP-01 serves and TLS-ALPN-01 and DNS-01 hash.</summary>
    public string KeyAuthorization(string token) => $"{token}.{Thumbprint()}";

    /// <param name="payload">null for POST-as-GET (an empty payload, §6.3).</param>
    public string Sign(string url, string nonce, string? accountUrl, JsonNode? payload)
    {
        var header = new JsonObject { ["alg"] = "ES256", ["nonce"] = nonce, ["url"] = url };
        if (accountUrl is null)
        {
            header["jwk"] = Jwk();
        }
        else
        {
            header["kid"] = accountUrl;
        }

        var protectedPart = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header.ToJsonString()));
        var payloadPart = payload is null ? "" : Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        var signature = key.SignData(Encoding.ASCII.GetBytes($"{protectedPart}.{payloadPart}"), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return JsonSerializer.Serialize(new JsonObject { ["protected"] = protectedPart, ["payload"] = payloadPart, ["signature"] = Base64Url.EncodeToString(signature) });
    }

    /// <summary>
    /// The external account binding (§7.3.4): the account key (jwk) signed with the CA's HMAC key under its key id, which
    /// ties the new ACME account to an account the operator holds at the CA.
    /// </summary>
    public JsonObject ExternalAccountBinding(string newAccountUrl, string keyId, string hmacKeyBase64Url)
    {
        var header = new JsonObject { ["alg"] = "HS256", ["kid"] = keyId, ["url"] = newAccountUrl };
        var protectedPart = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header.ToJsonString()));
        var payloadPart = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(Jwk().ToJsonString()));
        var mac = HMACSHA256.HashData(Base64Url.DecodeFromChars(hmacKeyBase64Url), Encoding.ASCII.GetBytes($"{protectedPart}.{payloadPart}"));
        return new JsonObject { ["protected"] = protectedPart, ["payload"] = payloadPart, ["signature"] = Base64Url.EncodeToString(mac) };
    }
}
