using System.Text.RegularExpressions;

namespace Tunnel.Shared.Security;

/// <summary>
/// Why a login through an OpenID Connect provider failed, as a short code each sign-in page (the dashboard's, the
/// edge's Access login) turns into a sentence that says what to fix: a code, not the provider's text, so nobody
/// can write on our pages through a crafted link.
/// </summary>
public static partial class OidcFailureKind
{
    public const string ProviderUnreachable = "provider_unreachable";
    public const string ClientRejected = "client_rejected";
    public const string RequestRefused = "provider_refused_request";
    public const string Denied = "provider_denied";
    public const string StateExpired = "state_expired";
    public const string ProviderError = "provider_error";

    public static string Classify(Exception? failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException or TaskCanceledException or IOException || e.Message.Contains("IDX20803", StringComparison.Ordinal))
            {
                return ProviderUnreachable; // IDX20803: the discovery document could not be fetched
            }

            // OpenIdConnectProtocolException: "Message contains error: 'invalid_client', error_description: …"
            if (ErrorCode().Match(e.Message) is { Success: true } m)
            {
                var error = m.Groups[1].Value;
                return error is "invalid_client" or "unauthorized_client" ? ClientRejected
                    : error is "access_denied" ? Denied
                    : error is "invalid_request" || error.Contains("redirect", StringComparison.Ordinal) ? RequestRefused
                    : ProviderError;
            }

            if (e.Message.Contains("Correlation failed", StringComparison.Ordinal) || e.Message.Contains("message.State", StringComparison.Ordinal)
                || e.Message.Contains("oauth state was missing or invalid", StringComparison.OrdinalIgnoreCase))
            {
                return StateExpired;
            }
        }

        return ProviderError;
    }

    [GeneratedRegex(@"error: '([a-z_]+)'")]
    private static partial Regex ErrorCode();
}
