// Load generators that wrk does not cover (bench/run.sh drives them):
//   ws-echo URL CONNECT CONNECTIONS SECONDS   WebSocket echo round trips; prints messages/s
//   tcp-source PORT MIB                       serves MIB mebibytes to each connection, then closes it
//   tcp-bulk CONNECT MIB                      reads MIB mebibytes from a TCP endpoint; prints MB/s
//   sse-latency URL CONNECT EVENTS            reads server-sent events stamped by the origin; prints the delay
//                                             from the origin's write to the client's read (p50 and max, ms)
//   yarp-hop PORT ORIGIN                      one plain Kestrel + YARP proxy hop to ORIGIN (no tunnel)
//   delay-relay PORT TARGET ONE_WAY_MS        a TCP relay to TARGET (ip:port) adding ONE_WAY_MS each way, no bandwidth
//                                             limit: a wide-area leg on loopback
//   many-tunnels API_URL API_KEY API_CA EDGE_URL EDGE_CA PUBLIC_HTTP_PORT EDGE_PID METRICS_URL [N] [REQUESTS] [CONCURRENCY]
//                                             creates and routes N tunnels (default 2000), connects one hand-written
//                                             connection per tunnel that answers requests itself, and prints the
//                                             edge's memory per tunnel (from /proc/EDGE_PID), a config push's time and
//                                             the latency of REQUESTS (20000) requests to random tunnels, CONCURRENCY
//                                             (32) at a time, as "key value" lines
// CONNECT is host:port to dial whatever the URL's host says (like curl --resolve); certificates are not checked.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;

return args switch
{
    ["ws-echo", var url, var connect, var connections, var seconds] => await WsEchoAsync(new Uri(url), IPEndPoint.Parse(connect), int.Parse(connections), int.Parse(seconds)),
    ["tcp-source", var port, var mib] => await TcpSourceAsync(int.Parse(port), long.Parse(mib) << 20),
    ["tcp-bulk", var connect, var mib] => await TcpBulkAsync(IPEndPoint.Parse(connect), long.Parse(mib) << 20),
    ["sse-latency", var url, var connect, var events] => await SseLatencyAsync(new Uri(url), IPEndPoint.Parse(connect), int.Parse(events)),
    ["yarp-hop", var port, var origin] => await YarpHop.RunAsync(int.Parse(port), origin),
    ["delay-relay", var port, var target, var oneWayMs] => await DelayRelay.RunAsync(int.Parse(port), target, int.Parse(oneWayMs)),
    ["many-tunnels", var api, var apiKey, var apiCa, var edge, var edgeCa, var publicPort, var edgePid, var metricsUrl, .. var rest] when rest.Length <= 3 =>
        await ManyTunnels.RunAsync(api, apiKey, apiCa, new Uri(edge), edgeCa, int.Parse(publicPort), int.Parse(edgePid), metricsUrl,
            rest.Length > 0 ? int.Parse(rest[0]) : 2000, rest.Length > 1 ? int.Parse(rest[1]) : 20_000, rest.Length > 2 ? int.Parse(rest[2]) : 32),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: ws-echo URL HOST:PORT CONNECTIONS SECONDS | tcp-source PORT MIB | tcp-bulk HOST:PORT MIB | sse-latency URL HOST:PORT EVENTS | yarp-hop PORT ORIGIN"
        + " | delay-relay PORT IP:PORT ONE_WAY_MS | many-tunnels API_URL API_KEY API_CA EDGE_URL EDGE_CA PUBLIC_HTTP_PORT EDGE_PID METRICS_URL [N] [REQUESTS] [CONCURRENCY]");
    return 2;
}

static SocketsHttpHandler Dialing(IPEndPoint connect)
{
    var handler = new SocketsHttpHandler
    {
        ConnectCallback = async (_, ct) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(connect, ct);
            return new NetworkStream(socket, ownsSocket: true);
        },
    };
    handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
    return handler;
}

static async Task<int> SseLatencyAsync(Uri url, IPEndPoint connect, int events)
{
    // The demo origin's /sse writes "data: <unix ms when written>"; origin and client share this machine's clock.
    using var client = new HttpClient(Dialing(connect));
    var delays = new List<double>();
    for (var round = 0; round < 2; round++) // the first round warms up connections and JIT
    {
        delays.Clear();
        using var response = await client.GetAsync(new Uri(url, $"/sse?count={events}&ms=50"), HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                delays.Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - long.Parse(line.AsSpan(6)));
            }
        }
    }

    delays.Sort();
    Console.WriteLine($"ms {delays[delays.Count / 2]:0} {delays[^1]:0} events {delays.Count}");
    return delays.Count == events ? 0 : 1;
}

static async Task<int> WsEchoAsync(Uri url, IPEndPoint connect, int connections, int seconds)
{
    using var invoker = new HttpMessageInvoker(Dialing(connect));
    var sockets = new List<ClientWebSocket>();
    for (var i = 0; i < connections; i++)
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(url, invoker, CancellationToken.None);
        sockets.Add(socket);
    }

    long messages = 0;
    var payload = new byte[32];
    var stop = DateTime.UtcNow.AddSeconds(seconds);
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(sockets.Select(async socket =>
    {
        var buffer = new byte[1024];
        while (DateTime.UtcNow < stop)
        {
            await socket.SendAsync(payload, WebSocketMessageType.Binary, true, CancellationToken.None);
            await socket.ReceiveAsync(buffer, CancellationToken.None);
            Interlocked.Increment(ref messages);
        }
    }));
    Console.WriteLine($"messages/s {messages / clock.Elapsed.TotalSeconds:0}");
    return 0;
}

static async Task<int> TcpSourceAsync(int port, long bytes)
{
    var listener = new TcpListener(IPAddress.Loopback, port);
    listener.Start();
    var chunk = new byte[256 * 1024];
    while (true)
    {
        var socket = await listener.AcceptSocketAsync();
        _ = Task.Run(async () =>
        {
            await using var stream = new NetworkStream(socket, ownsSocket: true);
            for (long sent = 0; sent < bytes; sent += chunk.Length)
            {
                await stream.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, bytes - sent)));
            }

            socket.Shutdown(SocketShutdown.Send);
        });
    }
}

static async Task<int> TcpBulkAsync(IPEndPoint connect, long bytes)
{
    using var client = new TcpClient();
    await client.ConnectAsync(connect);
    var stream = client.GetStream();
    var buffer = new byte[256 * 1024];
    var clock = Stopwatch.StartNew();
    long received = 0;
    int n;
    while (received < bytes && (n = await stream.ReadAsync(buffer)) > 0)
    {
        received += n;
    }

    Console.WriteLine($"MB/s {received / 1048576.0 / clock.Elapsed.TotalSeconds:0.0} bytes {received}");
    return received == bytes ? 0 : 1;
}
