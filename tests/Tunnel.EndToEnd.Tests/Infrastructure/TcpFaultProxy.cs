using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Tunnel.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A TCP relay placed between connector and edge so a test can cut one connection, as a network fault would.
/// </summary>
public sealed class TcpFaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentDictionary<Socket, Socket> _links = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public TcpFaultProxy(int targetPort)
    {
        _listener.Start();
        _accepting = AcceptAsync(targetPort);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int OpenConnections => _links.Count;

    /// <summary>Resets one relayed connection (both sides see the TCP connection die).</summary>
    public bool CutOne()
    {
        foreach (var (client, upstream) in _links)
        {
            if (_links.TryRemove(client, out _))
            {
                client.LingerState = new LingerOption(true, 0);
                upstream.LingerState = new LingerOption(true, 0);
                client.Dispose();
                upstream.Dispose();
                return true;
            }
        }

        return false;
    }

    private async Task AcceptAsync(int targetPort)
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

            var upstream = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, targetPort);
            }
            catch (SocketException)
            {
                client.Dispose();
                upstream.Dispose();
                continue;
            }

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
