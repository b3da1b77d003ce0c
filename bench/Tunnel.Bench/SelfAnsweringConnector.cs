using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Tunnel.Shared.Protocol;
using Tunnel.Shared.Security;

/// <summary>
/// One connector connection of one tunnel, written by hand after the protocol (as the end-to-end tests'
/// HandWrittenConnector): its own GrpcChannel and so its own TCP connection, as a connector has; Register with one
/// catch-all rule; heartbeats; one parked Data call, more when the edge asks. It answers every HTTP/1.1 request itself
/// with a fixed small response, so the many-tunnels cell measures the edge and not an origin.
/// </summary>
internal sealed class SelfAnsweringConnector : IDisposable
{
    private static readonly byte[] Response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n"u8.ToArray();
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(5);

    private readonly GrpcChannel _channel;
    private readonly TunnelEdge.TunnelEdgeClient _client;
    private readonly Metadata _headers;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _controlWrites = new(1, 1); // heartbeats and the status share the Control stream
    private AsyncDuplexStreamingCall<ConnectorMessage, EdgeMessage>? _control;
    private Metadata? _dataHeaders;
    private int _idle;

    public SelfAnsweringConnector(TunnelToken token, Uri edge, X509Certificate2Collection edgeCa)
    {
        var handler = new SocketsHttpHandler
        {
            // As the real connector's handler (TrustedCertificates.CreateHandler), dialing loopback only.
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(15),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        handler.SslOptions.CertificateChainPolicy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        handler.SslOptions.CertificateChainPolicy.CustomTrustStore.AddRange(edgeCa);
        _channel = GrpcChannel.ForAddress(edge, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        _client = new TunnelEdge.TunnelEdgeClient(_channel);
        _headers = new Metadata { { TunnelHeaders.TunnelId, token.TunnelId.ToString() }, { TunnelHeaders.TunnelSecret, token.Secret } };
    }

    /// <summary>Registers the connection and confirms it serves its own rules; then it serves in the background.</summary>
    public async Task RegisterAsync(CancellationToken cancellationToken)
    {
        _control = _client.Control(_headers, cancellationToken: _stop.Token);
        var register = new Register { ConnectorId = Guid.NewGuid().ToString("N")[..12], Version = "bench-many-tunnels", ReportsIngress = true };
        // Never dialed: the edge names the service, this connector answers by itself.
        register.Ingress.Add(new IngressRule { Service = "http://127.0.0.1:9" });
        await _control.RequestStream.WriteAsync(new ConnectorMessage { Register = register }, cancellationToken);
        if (!await _control.ResponseStream.MoveNext(cancellationToken) || _control.ResponseStream.Current.Registered is not { } registered)
        {
            throw new IOException("the edge answered the registration with something else");
        }

        await WriteControlAsync(new ConnectorMessage { IngressStatus = new IngressStatus { ServingVersion = "local" } });
        _dataHeaders = new Metadata { { TunnelHeaders.ConnectionId, registered.ConnectionId } };
        foreach (var entry in _headers)
        {
            _dataHeaders.Add(entry);
        }

        Park(1);
        _ = ReadControlAsync(_control);
        _ = HeartbeatAsync();
    }

    private async Task ReadControlAsync(AsyncDuplexStreamingCall<ConnectorMessage, EdgeMessage> control)
    {
        try
        {
            await foreach (var message in control.ResponseStream.ReadAllAsync(_stop.Token))
            {
                if (message.Demand is { } demand)
                {
                    Park(Math.Clamp(demand.Count, 1, 8));
                }
            }
        }
        catch (Exception ex) when (ex is RpcException or IOException or OperationCanceledException)
        {
        }
    }

    private async Task HeartbeatAsync()
    {
        try
        {
            await Task.Delay(Random.Shared.Next((int)HeartbeatInterval.TotalMilliseconds), _stop.Token); // spread over the interval
            using var timer = new PeriodicTimer(HeartbeatInterval);
            do
            {
                await WriteControlAsync(new ConnectorMessage { Heartbeat = new Heartbeat { SentUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() } });
            }
            while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (Exception ex) when (ex is RpcException or IOException or OperationCanceledException or InvalidOperationException)
        {
        }
    }

    private async Task WriteControlAsync(ConnectorMessage message)
    {
        await _controlWrites.WaitAsync(_stop.Token);
        try
        {
            await _control!.RequestStream.WriteAsync(message, _stop.Token);
        }
        finally
        {
            _controlWrites.Release();
        }
    }

    private void Park(int count)
    {
        for (var i = 0; i < count; i++)
        {
            Interlocked.Increment(ref _idle);
            _ = ServeOneAsync();
        }
    }

    /// <summary>A parked Data call: when the edge claims it, a replacement is parked and this one answers requests.</summary>
    private async Task ServeOneAsync()
    {
        try
        {
            using var call = _client.Data(_dataHeaders, cancellationToken: _stop.Token);
            var opened = false;
            try
            {
                opened = await call.ResponseStream.MoveNext(_stop.Token);
            }
            finally
            {
                if (Interlocked.Decrement(ref _idle) < 1 && opened)
                {
                    Park(1);
                }
            }

            if (opened && call.ResponseStream.Current.Open is not null)
            {
                await call.RequestStream.WriteAsync(new DataFrame { Result = new OpenResult { Ok = true } }, _stop.Token);
                await AnswerRequestsAsync(call);
            }
        }
        catch (Exception ex) when (ex is RpcException or IOException or OperationCanceledException or InvalidOperationException)
        {
        }
    }

    /// <summary>Answers each request the edge's HTTP/1.1 client sends over the stream (keep-alive: many per stream).</summary>
    private async Task AnswerRequestsAsync(AsyncDuplexStreamingCall<DataFrame, DataFrame> call)
    {
        var pending = new List<byte>();
        var bodyLeft = 0L;
        await foreach (var frame in call.ResponseStream.ReadAllAsync(_stop.Token))
        {
            pending.AddRange(frame.Data.Span);
            while (true)
            {
                if (bodyLeft > 0)
                {
                    var skip = (int)Math.Min(bodyLeft, pending.Count);
                    pending.RemoveRange(0, skip);
                    bodyLeft -= skip;
                    if (bodyLeft > 0)
                    {
                        break;
                    }
                }

                var end = HeaderEnd(pending);
                if (end < 0)
                {
                    break;
                }

                bodyLeft = ContentLength(pending, end);
                pending.RemoveRange(0, end);
                await call.RequestStream.WriteAsync(new DataFrame { Data = UnsafeByteOperations.UnsafeWrap(Response) }, _stop.Token);
            }
        }

        await call.RequestStream.CompleteAsync();
    }

    /// <summary>The length of the header block (through the blank line), or -1 when it is not complete yet.</summary>
    private static int HeaderEnd(List<byte> bytes)
    {
        for (var i = 3; i < bytes.Count; i++)
        {
            if (bytes[i] == '\n' && bytes[i - 1] == '\r' && bytes[i - 2] == '\n' && bytes[i - 3] == '\r')
            {
                return i + 1;
            }
        }

        return -1;
    }

    private static long ContentLength(List<byte> bytes, int headerLength)
    {
        var text = System.Text.Encoding.ASCII.GetString(bytes.GetRange(0, headerLength).ToArray());
        foreach (var line in text.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                return long.Parse(line.AsSpan("Content-Length:".Length).Trim());
            }
        }

        return 0;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _control?.Dispose();
        _channel.Dispose();
        _stop.Dispose();
    }
}
