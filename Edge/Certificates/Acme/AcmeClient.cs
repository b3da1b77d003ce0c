using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tunnel.Edge.Certificates.Acme;

/// <summary>Where HTTP-01 answers are served from while an authorization is pending (this edge's public HTTP port).</summary>
public interface IHttp01Responder
{
    void Add(string token, string keyAuthorization);
    void Remove(string token);
}

/// <summary>A certificate as issued: the chain and its key, as PEM (what is stored) and as one loaded certificate (what is served).</summary>
public sealed record IssuedCertificate(string CertificatePem, string KeyPem, DateTimeOffset NotBefore, DateTimeOffset NotAfter, string Issuer);

/// <summary>
/// A small ACME client (RFC 8555) on HttpClient and System.Security.Cryptography: the account, an order for a set of
/// names, their HTTP-01 challenges, finalization with a CSR, and the chain. The server's error documents surface
/// whole (<see cref="AcmeProblemException"/>); a bad nonce is retried once with the fresh one the error carried.
/// </summary>
public sealed class AcmeClient(HttpClient http, Uri directoryUrl, AcmeJws jws, TimeProvider clock)
{
    private JsonElement _directory;
    private string? _nonce;

    public string? AccountUrl { get; private set; }

    public async Task EnsureAccountAsync(string? email, CancellationToken ct)
    {
        if (AccountUrl is not null)
        {
            return;
        }

        await DirectoryAsync(ct);
        var payload = new JsonObject { ["termsOfServiceAgreed"] = true };
        if (!string.IsNullOrEmpty(email))
        {
            payload["contact"] = new JsonArray($"mailto:{email}");
        }

        var (response, _) = await PostAsync(Url("newAccount"), payload, ct);
        AccountUrl = response.Headers.Location?.ToString() ?? throw new AcmeProblemException("about:blank", "the CA created the account without telling its URL", (int)response.StatusCode);
    }

    public async Task<IssuedCertificate> OrderAsync(IReadOnlyList<string> names, IHttp01Responder http01, CancellationToken ct)
    {
        await DirectoryAsync(ct);
        var identifiers = new JsonArray(names.Select(n => (JsonNode?)new JsonObject { ["type"] = "dns", ["value"] = n }).ToArray());
        var (created, orderBody) = await PostAsync(Url("newOrder"), new JsonObject { ["identifiers"] = identifiers }, ct);
        var orderUrl = created.Headers.Location?.ToString() ?? throw new AcmeProblemException("about:blank", "the CA created the order without telling its URL", (int)created.StatusCode);
        var order = JsonDocument.Parse(orderBody).RootElement.Clone();

        foreach (var authorization in order.GetProperty("authorizations").EnumerateArray().Select(a => a.GetString()!))
        {
            await AuthorizeAsync(authorization, http01, ct);
        }

        using var certificateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={names[0]}", certificateKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            san.AddDnsName(name);
        }

        request.CertificateExtensions.Add(san.Build());
        var csr = System.Buffers.Text.Base64Url.EncodeToString(request.CreateSigningRequest());
        var (_, finalized) = await PostAsync(order.GetProperty("finalize").GetString()!, new JsonObject { ["csr"] = csr }, ct);
        order = await PollAsync(orderUrl, JsonDocument.Parse(finalized).RootElement.Clone(), "valid", ct);
        var (_, pem) = await PostAsync(order.GetProperty("certificate").GetString()!, null, ct, "application/pem-certificate-chain");
        using var leaf = X509Certificate2.CreateFromPem(pem);
        return new IssuedCertificate(pem, certificateKey.ExportPkcs8PrivateKeyPem(), leaf.NotBefore.ToUniversalTime(), leaf.NotAfter.ToUniversalTime(), leaf.Issuer);
    }

    private async Task AuthorizeAsync(string url, IHttp01Responder http01, CancellationToken ct)
    {
        var (_, body) = await PostAsync(url, null, ct);
        var authorization = JsonDocument.Parse(body).RootElement.Clone();
        if (authorization.GetProperty("status").GetString() == "valid")
        {
            return; // authorized earlier for this account
        }

        var name = authorization.GetProperty("identifier").GetProperty("value").GetString();
        var challenge = authorization.GetProperty("challenges").EnumerateArray().FirstOrDefault(c => c.GetProperty("type").GetString() == "http-01");
        if (challenge.ValueKind != JsonValueKind.Object)
        {
            throw new AcmeProblemException("about:blank", $"the CA offers no http-01 challenge for {name}", 0);
        }

        var token = challenge.GetProperty("token").GetString()!;
        http01.Add(token, jws.KeyAuthorization(token));
        try
        {
            await PostAsync(challenge.GetProperty("url").GetString()!, new JsonObject(), ct);
            await PollAsync(url, authorization, "valid", ct);
        }
        finally
        {
            http01.Remove(token);
        }
    }

    /// <summary>Reads the resource until it has <paramref name="wanted"/>; "invalid" ends it with the CA's reason.</summary>
    private async Task<JsonElement> PollAsync(string url, JsonElement current, string wanted, CancellationToken ct)
    {
        var deadline = clock.GetUtcNow() + TimeSpan.FromSeconds(90);
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

            if (clock.GetUtcNow() > deadline)
            {
                throw new AcmeProblemException("about:blank", $"{url} was still {status} after 90 s", 0);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), clock, ct);
            var (_, body) = await PostAsync(url, null, ct);
            current = JsonDocument.Parse(body).RootElement.Clone();
        }
    }

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

            var problem = AcmeProblemException.From((int)response.StatusCode, body);
            response.Dispose();
            if (problem.IsBadNonce && attempt == 1)
            {
                continue;
            }

            throw problem;
        }
    }
}
