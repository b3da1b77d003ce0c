using System.Net.Http.Json;
using System.Security.Authentication;
using System.Text.Json;

namespace Tunnel.ControlPlane.Access;

/// <summary>
/// Before an identity provider is saved, its discovery document is fetched and read, so a typo in the authority
/// is answered now with what is wrong rather than later with every person's login failing at the edges.
/// </summary>
public sealed class ProviderDiscovery(HttpClient http)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>Null when the provider answers a usable discovery document; else what is wrong, in one sentence.</summary>
    public async Task<string?> CheckAsync(Uri authority, CancellationToken ct)
    {
        var url = new Uri(authority.AbsoluteUri.TrimEnd('/') + "/.well-known/openid-configuration");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        JsonElement document;
        try
        {
            using var response = await http.GetAsync(url, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                return $"the provider's discovery document {url} answered {(int)response.StatusCode} {response.ReasonPhrase} (is the authority the provider's issuer URL)";
            }

            document = await response.Content.ReadFromJsonAsync<JsonElement>(timeout.Token);
        }
        catch (HttpRequestException ex) when (ex.InnerException is AuthenticationException)
        {
            return $"the control plane does not trust the TLS certificate of {url.Authority}: {ex.InnerException.Message}";
        }
        catch (HttpRequestException ex)
        {
            return $"the provider's discovery document {url} could not be fetched: {ex.Message}";
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return $"the provider's discovery document {url} did not answer within {Timeout.TotalSeconds:0} s";
        }
        catch (JsonException)
        {
            return $"{url} is not an OpenID Connect discovery document (not JSON)";
        }

        string? Text(string name) => document.ValueKind == JsonValueKind.Object && document.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        if (Text("authorization_endpoint") is null || Text("token_endpoint") is null)
        {
            return $"{url} is not an OpenID Connect discovery document (no authorization_endpoint or token_endpoint)";
        }

        var issuer = Text("issuer");
        return issuer is not null && !string.Equals(issuer.TrimEnd('/'), authority.AbsoluteUri.TrimEnd('/'), StringComparison.Ordinal)
            ? $"the provider says its issuer is {issuer}, not {authority.AbsoluteUri.TrimEnd('/')}: use {issuer} as the authority"
            : null;
    }
}
