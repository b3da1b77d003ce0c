using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Tunnel.Shared.Protocol;
using Tunnel.Shared.Security;

namespace Tunnel.Edge.Peering;

/// <summary>
/// The credential edges present to each other: derived from the edge key (every edge of a cluster has it), so the
/// key that reads the control plane's config never travels edge to edge. Checked in constant time.
/// </summary>
public sealed class PeerKey(IOptions<EdgeOptions> options)
{
    private readonly string? _value = options.Value.ControlPlaneKey is { Length: > 0 } key
        ? Base64Url.EncodeToString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), "tunnel edge peer v1"u8))
        : null;

    /// <summary>Null when the edge has no edge key: it then neither makes nor takes peer calls.</summary>
    public string? Value => _value;

    public void Authorize(ServerCallContext context)
    {
        var presented = SecretHash.BearerValue(context.RequestHeaders.GetValue(TunnelHeaders.EdgeKey));
        if (_value is null || !SecretHash.KeysEqual(presented, _value))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated,
                "peer key refused: every edge of a cluster needs the same Edge:ControlPlaneKey"));
        }
    }
}
