using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Tunnel.Shared.Security;

namespace Tunnel.ControlPlane.Tunnels;

/// <summary>
/// Tunnel secrets are derived, not stored: HMAC(signing key, tunnel id, generation). The database holds only
/// their SHA-256, so a copy of the database cannot serve a tunnel, yet `tunnel token NAME` can print the token again.
/// Rotation bumps the generation.
/// </summary>
public sealed class TokenIssuer(ControlPlaneKeys keys, IOptions<ControlPlaneOptions> options)
{
    public string DeriveSecret(Guid tunnelId, int generation)
    {
        var message = Encoding.UTF8.GetBytes($"{tunnelId:N}/{generation}");
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(keys.TokenSigningKey), message);
        return Base64Url.EncodeToString(mac);
    }

    public byte[] SecretHashFor(Guid tunnelId, int generation) => SecretHash.Hash(DeriveSecret(tunnelId, generation));

    public string TokenFor(Guid tunnelId, int generation) =>
        new TunnelToken(tunnelId, DeriveSecret(tunnelId, generation), options.Value.EdgeUrl).Encode();
}
