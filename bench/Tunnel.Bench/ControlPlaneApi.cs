using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Tunnel.Shared.Security;

/// <summary>The two REST calls the many-tunnels cell makes, as the CLI makes them (bearer token, the API's CA).</summary>
internal sealed class ControlPlaneApi : IDisposable
{
    private readonly HttpClient _http;

    public ControlPlaneApi(string apiUrl, string apiKey, string caPath)
    {
        var handler = TrustedCertificates.CreateHandler(caPath);
        handler.MaxConnectionsPerServer = 64;
        _http = new HttpClient(handler) { BaseAddress = new Uri(apiUrl), Timeout = TimeSpan.FromSeconds(60) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    /// <summary>POST api/tunnels: the new tunnel's token.</summary>
    public async Task<string> CreateTunnelAsync(string name)
    {
        using var response = await _http.PostAsJsonAsync("api/tunnels", new { name });
        await EnsureAsync(response, HttpStatusCode.Created, $"create tunnel {name}");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
        return body.RootElement.GetProperty("token").GetString()!;
    }

    /// <summary>POST api/tunnels/{name}/hostnames.</summary>
    public async Task RouteAsync(string tunnel, string hostname)
    {
        using var response = await _http.PostAsJsonAsync($"api/tunnels/{tunnel}/hostnames", new { hostname });
        await EnsureAsync(response, HttpStatusCode.Created, $"route {hostname}");
    }

    private static async Task EnsureAsync(HttpResponseMessage response, HttpStatusCode expected, string what)
    {
        if (response.StatusCode != expected)
        {
            throw new IOException($"{what}: the control plane answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    public void Dispose() => _http.Dispose();
}
