using Grpc.Core;
using Grpc.Net.Client;
using Tunnel.Shared.Protocol;
using Tunnel.Shared.Security;

namespace Tunnel.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A malicious connector: a valid tunnel token, and Control calls whose Register says whatever the test wants (rules
/// our connector would refuse to send, long ids, many connections). Each registration stays open until disposed.
/// </summary>
public sealed class HandWrittenConnector : IAsyncDisposable
{
    private readonly GrpcChannel _channel;
    private readonly Metadata _headers;
    private readonly TunnelEdge.TunnelEdgeClient _client;
    private readonly List<AsyncDuplexStreamingCall<ConnectorMessage, EdgeMessage>> _calls = [];

    public HandWrittenConnector(EdgeNode edge, string token, string caPath)
    {
        if (!TunnelToken.TryDecode(token, out var decoded, out var error))
        {
            throw new ArgumentException(error, nameof(token));
        }

        var handler = TunnelStack.LoopbackHandler(caPath);
        handler.EnableMultipleHttp2Connections = true;
        _channel = GrpcChannel.ForAddress($"https://localhost:{edge.ConnectorPort}", new GrpcChannelOptions { HttpHandler = handler });
        _client = new TunnelEdge.TunnelEdgeClient(_channel);
        _headers = new Metadata { { TunnelHeaders.TunnelId, decoded!.TunnelId.ToString() }, { TunnelHeaders.TunnelSecret, decoded.Secret } };
    }

    /// <summary>Registers one connection serving its own ("local") rules; throws the edge's refusal.</summary>
    public async Task<Registered> RegisterAsync(Register register)
    {
        register.ReportsIngress = true;
        var call = _client.Control(_headers);
        _calls.Add(call);
        await call.RequestStream.WriteAsync(new ConnectorMessage { Register = register });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        if (!await call.ResponseStream.MoveNext(timeout.Token) || call.ResponseStream.Current.Registered is not { } registered)
        {
            throw new IOException("the edge answered the registration with something else");
        }

        await call.RequestStream.WriteAsync(new ConnectorMessage { IngressStatus = new IngressStatus { ServingVersion = "local" } });
        return registered;
    }

    /// <summary>The refusal of a registration (null when the edge took it).</summary>
    public async Task<RpcException?> TryRegisterAsync(Register register)
    {
        try
        {
            await RegisterAsync(register);
            return null;
        }
        catch (RpcException ex)
        {
            return ex;
        }
    }

    /// <summary>Rules for the tunnel: the given ones, then the catch-all.</summary>
    public static Register Rules(params IngressRule[] rules)
    {
        var register = new Register { ConnectorId = Guid.NewGuid().ToString(), Version = "hand-written" };
        register.Ingress.AddRange(rules);
        register.Ingress.Add(new IngressRule { Service = "http_status:404" });
        return register;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var call in _calls)
        {
            call.Dispose();
        }

        _channel.Dispose();
        await Task.CompletedTask;
    }
}
