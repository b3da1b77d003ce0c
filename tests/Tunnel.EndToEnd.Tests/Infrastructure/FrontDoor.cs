using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Tunnel.EndToEnd.Tests.Infrastructure;

/// <summary>
/// One public address in front of several edges, as a load balancer or anycast address would be: each new TCP
/// connection goes to the edge chosen last, and choosing another cuts the open ones, so a browser's next request
/// lands on the new edge whatever it kept alive.
/// </summary>
public sealed class FrontDoor : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentDictionary<Socket, Socket> _links = new();
    private readonly ConcurrentDictionary<int, int> _connections = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private volatile int _target;

    public FrontDoor()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>How many connections were relayed to an edge's public port.</summary>
    public int ConnectionsTo(int port) => _connections.GetValueOrDefault(port);

    /// <summary>Sends new connections to this edge port and resets every open one.</summary>
    public void RouteTo(int edgePort)
    {
        _target = edgePort;
        foreach (var (client, upstream) in _links)
        {
            if (_links.TryRemove(client, out _))
            {
                client.LingerState = new LingerOption(true, 0);
                upstream.LingerState = new LingerOption(true, 0);
                client.Dispose();
                upstream.Dispose();
            }
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            var target = _target;
            var upstream = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, target);
            }
            catch (SocketException)
            {
                client.Dispose();
                upstream.Dispose();
                continue;
            }

            _connections.AddOrUpdate(target, 1, (_, n) => n + 1);
            _links[client] = upstream;
            _ = RelayAsync(client, upstream);
        }
    }

    private async Task RelayAsync(Socket client, Socket upstream)
    {
        using var a = new NetworkStream(client, ownsSocket: true);
        using var b = new NetworkStream(upstream, ownsSocket: true);
        try
        {
            await Task.WhenAny(a.CopyToAsync(b, _stop.Token), b.CopyToAsync(a, _stop.Token));
        }
        catch (Exception)
        {
        }
        finally
        {
            _links.TryRemove(client, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        foreach (var (client, upstream) in _links)
        {
            client.Dispose();
            upstream.Dispose();
        }
    }
}
