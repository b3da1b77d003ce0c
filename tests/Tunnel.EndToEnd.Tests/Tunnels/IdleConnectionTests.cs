using System.Net.WebSockets;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Tunnels;

/// <summary>
/// Idle WebSockets: the edge's idle timeout is shortened to 3 s here (15 min by default), so a few seconds of
/// silence stand for minutes. Keep-alive pings keep a socket open; without them it is closed.
/// </summary>
public class IdleConnectionTests
{
    [Fact]
    public async Task An_idle_websocket_with_keep_alives_outlives_the_idle_timeout_and_one_without_does_not()
    {
        await using var stack = await TunnelStack.StartAsync(Store.Sqlite, s => s.EdgeArgs.Add("--Edge:OriginIdleTimeout=00:00:03"));
        var (_, hostname, token) = await stack.NewRoutedTunnelAsync();
        stack.StartConnector(token);
        await stack.WaitServedAsync(hostname);

        using var kept = await ConnectAsync(stack, hostname, TimeSpan.FromSeconds(1));
        using var silent = await ConnectAsync(stack, hostname, TimeSpan.Zero);
        var buffer = new byte[64];
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var silentEnd = await Record.ExceptionAsync(async () =>
        {
            var result = await silent.ReceiveAsync(buffer, limit.Token);
            Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        });
        Assert.False(limit.IsCancellationRequested, "the silent WebSocket was never closed");
        Assert.True(silentEnd is null or WebSocketException, silentEnd?.ToString());

        // By now the kept socket has been silent (but for pings) for well over the idle timeout.
        await kept.SendAsync("still here"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var echo = await kept.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal("still here", System.Text.Encoding.UTF8.GetString(buffer, 0, echo.Count));
    }

    private static async Task<ClientWebSocket> ConnectAsync(TunnelStack stack, string hostname, TimeSpan keepAlive)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = keepAlive;
        await socket.ConnectAsync(new Uri($"wss://{hostname}:{stack.PublicPort}/ws"), new HttpMessageInvoker(stack.PublicHandler()), CancellationToken.None);
        return socket;
    }
}
