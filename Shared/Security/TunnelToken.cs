using System.Buffers.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Tunnel.Shared.Serialization;

namespace Tunnel.Shared.Security;

/// <summary>
/// What a connector needs to serve a tunnel: which tunnel, its secret, and where the edge listens.
/// Encoded as base64url JSON so it fits in one environment variable or flag, as cloudflared's does.
/// </summary>
public sealed record TunnelToken(
    [property: JsonPropertyName("t")] Guid TunnelId,
    [property: JsonPropertyName("s")] string Secret,
    [property: JsonPropertyName("e")] string EdgeUrl)
{
    public string Encode() => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(this, SharedJsonContext.Default.TunnelToken));

    public static bool TryDecode(string? text, out TunnelToken? token, out string error)
    {
        token = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "the token is empty";
            return false;
        }

        try
        {
            var bytes = Base64Url.DecodeFromChars(text.Trim());
            token = JsonSerializer.Deserialize(bytes, SharedJsonContext.Default.TunnelToken);
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            error = "the token is not a tunnel token (it should be the text printed by `tunnel token NAME`)";
            return false;
        }

        if (token is null || token.TunnelId == Guid.Empty || string.IsNullOrEmpty(token.Secret)
            || !Uri.TryCreate(token.EdgeUrl, UriKind.Absolute, out _))
        {
            token = null;
            error = "the token is incomplete: it lacks the tunnel id, the secret or the edge address";
            return false;
        }

        error = "";
        return true;
    }
}
