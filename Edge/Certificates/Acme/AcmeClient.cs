using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tunnel.Edge.Certificates.Acme;

/// <summary>
/// Publishes challenge answers while an authorization is pending: HTTP-01 and TLS-ALPN-01 answered by every edge,
/// DNS-01 as a TXT record through RFC 2136. Chooses which challenge a name is proven with.
/// </summary>
public interface IChallengeResponder
{
    /// <summary>The challenge type to use for the name ("http-01", "tls-alpn-01" or "dns-01"); wildcards need dns-01.</summary>
    string TypeFor(string name, bool wildcard);
    Task PublishAsync(string type, string name, string token, string keyAuthorization, CancellationToken ct);
    Task WithdrawAsync(string type, string name, string token, string keyAuthorization, CancellationToken ct);
}

/// <summary>A certificate as issued: the chain and its key, as PEM.</summary>
public sealed record IssuedCertificate(string CertificatePem, string KeyPem);

/// <summary>
/// A small ACME client (RFC 8555) on HttpClient and System.Security.Cryptography: the account, an order for a set of
/// names, their HTTP-01 challenges, finalization with a CSR, and the chain. The server's error documents surface
/// whole (<see cref="AcmeProblemException"/>); a bad nonce is retried once with the fresh one the error carried.
/// </summary>
public sealed class AcmeClient(HttpClient http, Uri directoryUrl, AcmeJws jws, TimeProvider clock)
{
    public const string UserAgent = "tunnel-edge-acme/1.0"; // RFC 8555 §6.1: every request names the client

    private JsonElement _directory;
    private string? _nonce;

    public string? AccountUrl { get; private set; }

    /// <param name="eab">External account binding (key id and base64url HMAC key), for CAs that require one (ZeroSSL, Google, Sectigo).</param>
    public async Task EnsureAccountAsync(string? email, (string KeyId, string HmacKey)? eab, CancellationToken ct)
    {
        if (AccountUrl is not null)
        {
            return;
        }

        await DirectoryAsync(ct);
        if (eab is null && _directory.TryGetProperty("meta", out var meta) && meta.TryGetProperty("externalAccountRequired", out var required) && required.ValueKind == JsonValueKind.True)
        {
            throw new AcmeProblemException("urn:ietf:params:acme:error:externalAccountRequired",
                "the CA requires an external account binding: set Edge:Acme:EabKeyId and Edge:Acme:EabHmacKey from the CA's account page", 0);
        }

        var payload = new JsonObject { ["termsOfServiceAgreed"] = true };
        if (!string.IsNullOrEmpty(email))
        {
            payload["contact"] = new JsonArray($"mailto:{email}");
        }

        if (eab is { } binding)
        {
            payload["externalAccountBinding"] = jws.ExternalAccountBinding(Url("newAccount"), binding.KeyId, binding.HmacKey);
        }

        var (response, _) = await PostAsync(Url("newAccount"), payload, ct);
        using (response)
        {
            AccountUrl = response.Headers.Location?.ToString() ?? throw new AcmeProblemException("about:blank", "the CA created the account without telling its URL", (int)response.StatusCode);
        }
    }

    public async Task<IssuedCertificate> OrderAsync(IReadOnlyList<string> names, IChallengeResponder responder, CancellationToken ct)
    {
        await DirectoryAsync(ct);
        var identifiers = new JsonArray(names.Select(n => (JsonNode?)new JsonObject { ["type"] = "dns", ["value"] = n }).ToArray());
        var (created, orderBody) = await PostAsync(Url("newOrder"), new JsonObject { ["identifiers"] = identifiers }, ct);
        string orderUrl;
        using (created)
        {
            orderUrl = created.Headers.Location?.ToString() ?? throw new AcmeProblemException("about:blank", "the CA created the order without telling its URL", (int)created.StatusCode);
        }

        var order = JsonDocument.Parse(orderBody).RootElement.Clone();
        if (order.GetProperty("status").GetString() is "pending")
        {
            foreach (var authorization in order.GetProperty("authorizations").EnumerateArray().Select(a => a.GetString()!))
            {
                await AuthorizeAsync(authorization, responder, ct);
            }

            order = await PollAsync(orderUrl, order, "ready", ct);
        }

        using var certificateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // A CN holds at most 64 characters; the names are in the SAN, which is what clients check.
        var request = new CertificateRequest(names[0].Length <= 64 ? $"CN={names[0]}" : "", certificateKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            san.AddDnsName(name);
        }

        request.CertificateExtensions.Add(san.Build());
        var csr = System.Buffers.Text.Base64Url.EncodeToString(request.CreateSigningRequest());
        if (order.GetProperty("status").GetString() == "ready")
        {
            var (finalizedResponse, finalized) = await PostAsync(order.GetProperty("finalize").GetString()!, new JsonObject { ["csr"] = csr }, ct);
            finalizedResponse.Dispose();
            order = JsonDocument.Parse(finalized).RootElement.Clone();
        }

        order = await PollAsync(orderUrl, order, "valid", ct);
        var (chainResponse, pem) = await PostAsync(order.GetProperty("certificate").GetString()!, null, ct, "application/pem-certificate-chain");
        chainResponse.Dispose();
        using var leaf = X509Certificate2.CreateFromPem(pem); // what the CA sent must be a certificate before anyone keeps it
        return new IssuedCertificate(pem, certificateKey.ExportPkcs8PrivateKeyPem());
    }

    private async Task AuthorizeAsync(string url, IChallengeResponder responder, CancellationToken ct)
    {
        var (response, body) = await PostAsync(url, null, ct);
        response.Dispose();
        var authorization = JsonDocument.Parse(body).RootElement.Clone();
        if (authorization.GetProperty("status").GetString() == "valid")
        {
            return; // authorized earlier for this account
        }

        var name = authorization.GetProperty("identifier").GetProperty("value").GetString()!;
        var wildcard = authorization.TryGetProperty("wildcard", out var w) && w.ValueKind == JsonValueKind.True;
        var type = responder.TypeFor(name, wildcard);
        var challenge = authorization.GetProperty("challenges").EnumerateArray().FirstOrDefault(c => c.GetProperty("type").GetString() == type);
        if (challenge.ValueKind != JsonValueKind.Object)
        {
            throw new AcmeProblemException("about:blank", $"the CA offers no {type} challenge for {name}", 0);
        }

        var token = challenge.GetProperty("token").GetString()!;
        var keyAuthorization = jws.KeyAuthorization(token);
        try
        {
            await responder.PublishAsync(type, name, token, keyAuthorization, ct);
            var (answered, _) = await PostAsync(challenge.GetProperty("url").GetString()!, new JsonObject(), ct);
            answered.Dispose();
            await PollAsync(url, authorization, "valid", ct);
        }
        finally
        {
            await responder.WithdrawAsync(type, name, token, keyAuthorization, CancellationToken.None);
        }
    }

    /// <summary>
    /// Reads the resource until it has <paramref name="wanted"/>, as often as its Retry-After asks (§7.5.1; 1 s otherwise);
    /// "invalid" ends it with the CA's reason, and so do states it never leaves (deactivated, expired, revoked).
    /// </summary>
    private async Task<JsonElement> PollAsync(string url, JsonElement current, string wanted, CancellationToken ct, TimeSpan? retryAfter = null)
    {
        var deadline = clock.GetUtcNow() + TimeSpan.FromSeconds(120);
        while (true)
        {
            var status = current.GetProperty("status").GetString();
            if (status == wanted)
            {
                return current;
            }

            if (status == "invalid")
            {
                var error = current.TryGetProperty("error", out var e) ? e
                    : current.TryGetProperty("challenges", out var cs) ? cs.EnumerateArray().Select(c => c.TryGetProperty("error", out var ce) ? ce : default).FirstOrDefault(x => x.ValueKind == JsonValueKind.Object)
                    : default;
                throw error.ValueKind == JsonValueKind.Object
                    ? AcmeProblemException.From(0, error.GetRawText())
                    : new AcmeProblemException("about:blank", $"the CA marked {url} invalid", 0, current.GetRawText());
            }

            if (status is "deactivated" or "expired" or "revoked")
            {
                throw new AcmeProblemException("about:blank", $"{url} is {status}: it will never become {wanted}", 0, current.GetRawText());
            }

            if (clock.GetUtcNow() > deadline)
            {
                throw new AcmeProblemException("about:blank", $"{url} was still {status} after 120 s", 0);
            }

            await Task.Delay(Clamp(retryAfter ?? TimeSpan.FromSeconds(1)), clock, ct);
            var (response, body) = await PostAsync(url, null, ct);
            using (response)
            {
                retryAfter = RetryAfter(response);
            }

            current = JsonDocument.Parse(body).RootElement.Clone();
        }
    }

    /// <summary>What a Retry-After header asks (seconds or a date); null when there is none.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - DateTimeOffset.UtcNow,
            _ => null,
        };

    private static TimeSpan Clamp(TimeSpan wait) => wait < TimeSpan.FromMilliseconds(200) ? TimeSpan.FromMilliseconds(200) : wait > TimeSpan.FromSeconds(30) ? TimeSpan.FromSeconds(30) : wait;

    private async Task DirectoryAsync(CancellationToken ct)
    {
        if (_directory.ValueKind == JsonValueKind.Object)
        {
            return;
        }

        using var response = await http.GetAsync(directoryUrl, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw AcmeProblemException.From((int)response.StatusCode, body);
        }

        _directory = JsonDocument.Parse(body).RootElement.Clone();
    }

    private string Url(string name) => _directory.GetProperty(name).GetString()!;

    private async Task<string> NonceAsync(CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _nonce, null) is { } nonce)
        {
            return nonce;
        }

        using var request = new HttpRequestMessage(HttpMethod.Head, Url("newNonce"));
        using var response = await http.SendAsync(request, ct);
        return response.Headers.TryGetValues("Replay-Nonce", out var values) ? values.First()
            : throw new AcmeProblemException("about:blank", "the CA gave no nonce", (int)response.StatusCode);
    }

    private async Task<(HttpResponseMessage Response, string Body)> PostAsync(string url, JsonNode? payload, CancellationToken ct, string accept = "application/json")
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url)
            {
                Content = new StringContent(jws.Sign(url, await NonceAsync(ct), AccountUrl, payload), Encoding.UTF8),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/jose+json");
            request.Headers.Accept.ParseAdd(accept);
            var response = await http.SendAsync(request, ct);
            if (response.Headers.TryGetValues("Replay-Nonce", out var nonces))
            {
                _nonce = nonces.First();
            }

            var body = await response.Content.ReadAsStringAsync(ct);
            if (response.IsSuccessStatusCode)
            {
                return (response, body);
            }

            var problem = AcmeProblemException.From((int)response.StatusCode, body, RetryAfter(response));
            response.Dispose();
            if (problem.IsBadNonce && attempt < 5) // the CA may refuse any nonce; the error carried a fresh one
            {
                continue;
            }

            throw problem;
        }
    }
}
