using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Net.Http.Json;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Tunnels;

/// <summary>What users put behind a tunnel beyond request/response: WebSockets, server-sent events, client identity.</summary>
public class StreamingTests(SqliteStackFixture fixture) : IClassFixture<SqliteStackFixture>
{
    private TunnelStack Stack => fixture.Stack;

    [Fact]
    public async Task A_websocket_echoes_1000_messages_in_order_and_passes_the_close_status()
    {
        var (_, hostname, token) = await Stack.NewRoutedTunnelAsync();
        Stack.StartConnector(token);
        await Stack.WaitServedAsync(hostname);

        using var socket = new ClientWebSocket();
        using var invoker = new HttpMessageInvoker(Stack.PublicHandler());
        await socket.ConnectAsync(new Uri($"wss://{hostname}:{Stack.PublicPort}/ws"), invoker, CancellationToken.None);
        var buffer = new byte[1024];
        for (var i = 0; i < 1000; i++)
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes($"message {i}"), WebSocketMessageType.Text, true, CancellationToken.None);
            var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
            Assert.Equal($"message {i}", Encoding.UTF8.GetString(buffer, 0, result.Count));
        }

        await socket.CloseOutputAsync((WebSocketCloseStatus)4001, "done here", CancellationToken.None);
        var close = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal(WebSocketMessageType.Close, close.MessageType);
        Assert.Equal((WebSocketCloseStatus)4001, socket.CloseStatus);
        Assert.Equal("done here", socket.CloseStatusDescription);
    }

    [Fact]
    public async Task A_websocket_is_closed_within_5_s_when_its_connector_dies()
    {
        var (_, hostname, token) = await Stack.NewRoutedTunnelAsync();
        var connector = Stack.StartConnector(token);
        await Stack.WaitServedAsync(hostname);

        using var socket = new ClientWebSocket();
        using var invoker = new HttpMessageInvoker(Stack.PublicHandler());
        await socket.ConnectAsync(new Uri($"wss://{hostname}:{Stack.PublicPort}/ws"), invoker, CancellationToken.None);
        await socket.SendAsync("ping"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[1024];
        await socket.ReceiveAsync(buffer, CancellationToken.None);

        await connector.KillAsync();
        var clock = Stopwatch.StartNew();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var ended = false;
        try
        {
            var result = await socket.ReceiveAsync(buffer, limit.Token);
            ended = result.MessageType == WebSocketMessageType.Close;
        }
        catch (WebSocketException)
        {
            ended = true; // the edge dropped the connection: the client knows it is over
        }

        Assert.True(ended, "the WebSocket stayed open after its connector died");
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task An_oversized_request_header_gets_a_431()
    {
        var (_, hostname, token) = await Stack.NewRoutedTunnelAsync();
        Stack.StartConnector(token);
        await Stack.WaitServedAsync(hostname);

        using var request = new HttpRequestMessage(HttpMethod.Get, Stack.PublicUrl(hostname, "/small"));
        request.Headers.Add("X-Huge", new string('a', 64 * 1024));
        using var response = await Stack.Public.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
        Assert.Contains("accepts at most 32 KiB", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Server_sent_events_arrive_as_they_are_written()
    {
        var (_, hostname, token) = await Stack.NewRoutedTunnelAsync();
        Stack.StartConnector(token);
        await Stack.WaitServedAsync(hostname);

        using var response = await Stack.Public.GetAsync(Stack.PublicUrl(hostname, "/sse?count=4&ms=400"), HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var clock = Stopwatch.StartNew();
        var arrivals = new List<TimeSpan>();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                arrivals.Add(clock.Elapsed);
            }
        }

        Assert.Equal(4, arrivals.Count);
        // Buffering would deliver all four at the end; streamed, they arrive about 400 ms apart.
        Assert.True(arrivals[3] - arrivals[0] > TimeSpan.FromMilliseconds(900), string.Join(", ", arrivals));
    }

    [Fact]
    public async Task The_origin_sees_the_client_and_not_spoofed_forwarding_headers()
    {
        var (_, hostname, token) = await Stack.NewRoutedTunnelAsync();
        Stack.StartConnector(token);
        await Stack.WaitServedAsync(hostname);

        using var request = new HttpRequestMessage(HttpMethod.Get, Stack.PublicUrl(hostname, "/headers"));
        request.Headers.Add("X-Forwarded-For", "6.6.6.6");
        request.Headers.Add("X-Forwarded-Host", "evil.example.com");
        request.Headers.Add("X-Forwarded-Proto", "gopher");
        request.Headers.Add("X-Request-Id", "spoofed");
        request.Headers.Add("Tunnel-Access-Jwt-Assertion", "forged"); // even where no Access application applies
        using var response = await Stack.Public.SendAsync(request);
        var headers = new Dictionary<string, string>((await response.Content.ReadFromJsonAsync<Dictionary<string, string>>())!, StringComparer.OrdinalIgnoreCase);
        Assert.Equal("127.0.0.1", headers["X-Forwarded-For"]);
        Assert.Equal($"{hostname}:{Stack.PublicPort}", headers["X-Forwarded-Host"]);
        Assert.Equal("https", headers["X-Forwarded-Proto"]);
        Assert.Equal($"{hostname}:{Stack.PublicPort}", headers["Host"]);
        Assert.NotEqual("spoofed", headers["X-Request-Id"]);
        Assert.False(string.IsNullOrEmpty(headers["X-Request-Id"]));
        Assert.False(headers.ContainsKey("Tunnel-Access-Jwt-Assertion"));
    }
}
