using Grpc.Core;
using Tunnel.Edge.Config;
using Tunnel.Shared.Protocol;
using Tunnel.Shared.Security;

namespace Tunnel.Edge.Connectors;

/// <summary>Checks a connector call's tunnel id and secret against the secret hash in the config, in constant time.</summary>
public sealed class ConnectorAuthenticator(ConfigStore config)
{
    public TunnelConfig Authenticate(ServerCallContext context)
    {
        var tunnelId = context.RequestHeaders.GetValue(TunnelHeaders.TunnelId);
        var secret = context.RequestHeaders.GetValue(TunnelHeaders.TunnelSecret);
        if (string.IsNullOrEmpty(tunnelId) || string.IsNullOrEmpty(secret))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "the call carries no tunnel token"));
        }

        if (!config.Loaded)
        {
            // Not the connector's fault: it should retry, not give up.
            throw new RpcException(new Status(StatusCode.Unavailable, "the edge has no config yet: it has not reached the control plane"));
        }

        var tunnel = config.FindTunnel(tunnelId);
        if (tunnel is null || !SecretHash.Matches(secret, tunnel.SecretHash.Span))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated,
                "tunnel token refused: the tunnel does not exist or its secret was rotated; get the current token with `tunnel token NAME`"));
        }

        return tunnel;
    }
}
