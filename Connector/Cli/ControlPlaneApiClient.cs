using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tunnel.Shared.Security;

namespace Tunnel.Connector.Cli;

/// <summary>The CLI's side of the control plane's REST API; failures become CLI errors carrying the API's problem detail.</summary>
public sealed class ControlPlaneApiClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _baseUrl;

    /// <param name="keyRequired">False for calls a control plane may take without a token (opening a quick tunnel where anonymous use is allowed).</param>
    public ControlPlaneApiClient(string apiUrl, string? apiKey, string? caPath, bool keyRequired = true)
    {
        if (!Uri.TryCreate(apiUrl, UriKind.Absolute, out var baseUrl))
        {
            throw new CliException($"--api '{apiUrl}' is not a URL (e.g. https://controlplane.example.com)");
        }

        if (string.IsNullOrWhiteSpace(apiKey) && keyRequired)
        {
            throw new CliException("no API token: pass --api-key or set TUNNEL_API_KEY (an API token from the dashboard, or the bootstrap admin key)");
        }

        _baseUrl = baseUrl;
        _http = new HttpClient(TrustedCertificates.CreateHandler(caPath)) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
        if (!string.IsNullOrWhiteSpace(apiKey))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
    }

    public async Task<JsonElement> GetAsync(string path, CancellationToken ct) => (await SendAsync(HttpMethod.Get, path, null, ct)).Body;

    public async Task<JsonElement> PostAsync(string path, JsonNode body, CancellationToken ct) => (await SendAsync(HttpMethod.Post, path, body, ct)).Body;

    /// <summary>A POST whose success code matters, e.g. 201 (created) against 200 (it was there already).</summary>
    public Task<(HttpStatusCode Status, JsonElement Body)> PostWithStatusAsync(string path, JsonNode body, CancellationToken ct) => SendAsync(HttpMethod.Post, path, body, ct);

    public async Task<JsonElement> PutAsync(string path, JsonNode body, CancellationToken ct) => (await SendAsync(HttpMethod.Put, path, body, ct)).Body;

    public async Task<JsonElement> PatchAsync(string path, JsonNode body, CancellationToken ct) => (await SendAsync(HttpMethod.Patch, path, body, ct)).Body;

    public Task DeleteAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Delete, path, null, ct);

    /// <summary>A DELETE that proves its right with a header of its own (a quick tunnel's key) rather than the API token.</summary>
    public Task DeleteAsync(string path, string header, string value, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, path, null, ct, (header, value));

    /// <summary>Every item of a paged list, following `next` until the last page.</summary>
    public async Task<List<JsonElement>> GetAllAsync(string path, CancellationToken ct)
    {
        var items = new List<JsonElement>();
        string? next = null;
        do
        {
            var separator = path.Contains('?') ? '&' : '?';
            var page = await GetAsync(next is null ? path : $"{path}{separator}after={Uri.EscapeDataString(next)}", ct);
            items.AddRange(page.GetProperty("items").EnumerateArray().Select(e => e.Clone()));
            next = page.TryGetProperty("next", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        }
        while (next is not null);
        return items;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken ct,
        (string Name, string Value)? header = null)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (header is { } h)
        {
            request.Headers.TryAddWithoutValidation(h.Name, h.Value);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError is HttpRequestError.ResponseEnded or HttpRequestError.InvalidResponse
            && _baseUrl.Scheme == Uri.UriSchemeHttp)
        {
            // A TLS server reading a plain-http request closes without an HTTP answer.
            throw new CliException($"the control plane at {_baseUrl} did not answer plain http: it most likely serves https; use --api {new UriBuilder(_baseUrl) { Scheme = Uri.UriSchemeHttps }.Uri.GetLeftPart(UriPartial.Authority)}");
        }
        catch (HttpRequestException ex)
        {
            throw new CliException($"cannot reach the control plane at {_baseUrl}: {ex.GetBaseException().Message} (set --api or TUNNEL_API; for a self-signed certificate, --api-ca or TUNNEL_API_CA)");
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new CliException(await DescribeFailureAsync(response, ct));
            }

            if (response.StatusCode == HttpStatusCode.NoContent)
            {
                return (response.StatusCode, default);
            }

            return (response.StatusCode, await response.Content.ReadFromJsonAsync(CliJson.Default.JsonElement, ct));
        }
    }

    private static async Task<string> DescribeFailureAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.TryGetProperty("detail", out var detail) && detail.GetString() is { Length: > 0 } message)
            {
                return message;
            }
        }
        catch (JsonException)
        {
        }

        return $"the control plane answered {(int)response.StatusCode} {response.ReasonPhrase}";
    }

    public void Dispose() => _http.Dispose();
}
