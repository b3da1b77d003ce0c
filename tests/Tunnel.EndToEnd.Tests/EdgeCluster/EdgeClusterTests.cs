using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Tunnel.EndToEnd.Tests.Infrastructure;
using Tunnel.EndToEnd.Tests.Tunnels;

namespace Tunnel.EndToEnd.Tests.EdgeCluster;

/// <summary>Three edges of one control plane on Postgres: A (the stack's first edge), B and C.</summary>
public sealed class ThreeEdgeFixture : IAsyncLifetime
{
    public TunnelStack Stack { get; private set; } = null!;
    public EdgeNode A => Stack.FirstEdge;
    public EdgeNode B { get; private set; } = null!;
    public EdgeNode C { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Stack = await TunnelStack.StartAsync(Store.Postgres);
        B = await Stack.AddEdgeAsync("edge-b");
        C = await Stack.AddEdgeAsync("edge-c");
    }

    public async Task DisposeAsync() => await Stack.DisposeAsync();
}

/// <summary>
/// Any edge serves any tunnel: an edge without a connection of the tunnel opens its streams through a peer edge
/// that has one (one hop, authenticated), and a connector survives the loss of an edge.
/// </summary>
public sealed class EdgeClusterTests(ThreeEdgeFixture fixture) : IClassFixture<ThreeEdgeFixture>
{
    private TunnelStack Stack => fixture.Stack;

    /// <summary>A routed tunnel whose connector holds connections on the given edges only.</summary>
    private async Task<(string Name, string Hostname, TestProcess Connector)> TunnelOnAsync(params EdgeNode[] edges)
    {
        var (name, hostname, token) = await Stack.NewRoutedTunnelAsync();
        var connector = Stack.StartConnector(token, [.. edges.SelectMany(e => new[] { "--edge", e.ConnectorUrl })]);
        return (name, hostname, connector);
    }

    private async Task WaitServedAsync(EdgeNode edge, string hostname) =>
        await Eventually.Until(() => Stack.Public.GetAsync(edge.PublicUrl(hostname, "/small")), r => r.StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30), $"{hostname} served on {edge.Id}");

    [Fact]
    public async Task Every_edge_serves_a_tunnel_whose_connector_is_on_one_byte_exact_websockets_and_sse_included()
    {
        var (name, hostname, _) = await TunnelOnAsync(fixture.A);
        await WaitServedAsync(fixture.A, hostname);
        using var patient = new HttpClient(Stack.PublicHandler()) { Timeout = TimeSpan.FromMinutes(3) };
        foreach (var edge in new[] { fixture.B, fixture.C })
        {
            await WaitServedAsync(edge, hostname);

            // 64 MiB down, checked byte by byte against the origin's pattern.
            const long size = 64L << 20;
            using (var response = await patient.GetAsync(edge.PublicUrl(hostname, $"/bytes/{size}"), HttpCompletionOption.ResponseHeadersRead))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                await using var body = await response.Content.ReadAsStreamAsync();
                var buffer = new byte[256 * 1024];
                long offset = 0;
                int n;
                while ((n = await body.ReadAsync(buffer)) > 0)
                {
                    for (var i = 0; i < n; i++)
                    {
                        if (buffer[i] != (byte)((offset + i) % 251 % 256))
                        {
                            Assert.Fail($"byte {offset + i} differs through {edge.Id}");
                        }
                    }

                    offset += n;
                }

                Assert.Equal(size, offset);
            }

            // 64 MiB up, hashed on both ends.
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var upload = new StreamContent(new BulkTransferTests.PatternStream(size, hash));
            upload.Headers.ContentLength = size;
            using (var sink = await patient.PostAsync(edge.PublicUrl(hostname, "/sink"), upload))
            {
                var answer = (await sink.Content.ReadAsStringAsync()).Split(' ');
                Assert.Equal(size.ToString(), answer[0]);
                Assert.Equal(Convert.ToHexString(hash.GetHashAndReset()), answer[1]);
            }

            // A WebSocket echo.
            using (var socket = new ClientWebSocket())
            using (var invoker = new HttpMessageInvoker(Stack.PublicHandler()))
            {
                await socket.ConnectAsync(new Uri($"wss://{hostname}:{edge.PublicPort}/ws"), invoker, CancellationToken.None);
                var buffer = new byte[1024];
                for (var i = 0; i < 100; i++)
                {
                    await socket.SendAsync(Encoding.UTF8.GetBytes($"message {i}"), WebSocketMessageType.Text, true, CancellationToken.None);
                    var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                    Assert.Equal($"message {i}", Encoding.UTF8.GetString(buffer, 0, result.Count));
                }

                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
            }

            // Server-sent events arrive as written, not buffered to the end.
            using (var events = await Stack.Public.GetAsync(edge.PublicUrl(hostname, "/sse?count=3&ms=400"), HttpCompletionOption.ResponseHeadersRead))
            using (var reader = new StreamReader(await events.Content.ReadAsStreamAsync()))
            {
                if (events.StatusCode != HttpStatusCode.OK)
                {
                    Assert.Fail($"SSE through {edge.Id}: {(int)events.StatusCode} {await reader.ReadToEndAsync()}");
                }

                var clock = Stopwatch.StartNew();
                var arrivals = new List<TimeSpan>();
                var received = new StringBuilder();
                while (await reader.ReadLineAsync() is { } line)
                {
                    received.AppendLine(line);
                    if (line.StartsWith("data: ", StringComparison.Ordinal))
                    {
                        arrivals.Add(clock.Elapsed);
                    }
                }

                Assert.True(arrivals.Count == 3, $"SSE through {edge.Id}: {events.Version} {events.Headers}{events.Content.Headers}\n{received}");
                Assert.True(arrivals[2] - arrivals[0] > TimeSpan.FromMilliseconds(500), string.Join(", ", arrivals));
            }
        }

        // `tunnel info` says where the connections are and which edges serve through a peer.
        // Edges report themselves online every few seconds: a just-started edge may not be listed yet.
        var peered = $"served through a peer by {fixture.B.Id}, {fixture.C.Id}";
        var (_, info) = await Eventually.Until(() => Stack.CliAsync("tunnel", "info", name), r => r.Output.Contains(peered, StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), peered);
        Assert.True(info.Contains($"edges: connections on {fixture.A.Id} (4)", StringComparison.Ordinal), info);

        // The peer hops show in the asking edges' metrics.
        var metrics = await new HttpClient().GetStringAsync($"http://127.0.0.1:{fixture.B.ManagementPort}/metrics");
        Assert.Contains("tunnel_edge_peer_stream_opens", metrics);
        Assert.Matches("path=\"peer\"", metrics);
    }

    [Fact]
    public async Task A_connector_told_of_the_edges_spreads_its_connections_over_them()
    {
        // Only the token's edge (A) is given; the registration tells of B and C, and 4 connections go A, B, C, A.
        var (name, hostname, token) = await Stack.NewRoutedTunnelAsync();
        Stack.StartConnector(token);
        await WaitConnectionsAsync(name, c => c.Count == 4 && c.Distinct().Count() == 3, "4 connections over the 3 edges");
        foreach (var edge in new[] { fixture.A, fixture.B, fixture.C })
        {
            await WaitServedAsync(edge, hostname);
        }
    }

    [Fact]
    public async Task Access_tcp_reaches_a_tcp_service_through_a_peer_edge()
    {
        await using var echo = new TcpEchoServer();
        var (name, hostname, token) = await Stack.NewRoutedTunnelAsync();
        var config = Stack.TempPath($"{name}.yml");
        await File.WriteAllTextAsync(config, $"ingress:\n  - hostname: {hostname}\n    service: tcp://127.0.0.1:{echo.Port}\n  - service: http_status:404\n");
        Stack.StartConnector(token, "--config", config, "--edge", fixture.A.ConnectorUrl);
        await Eventually.Until(() => Stack.Public.GetAsync(fixture.B.PublicUrl(hostname)), r => r.StatusCode == HttpStatusCode.BadRequest,
            TimeSpan.FromSeconds(30), "TCP service routed on edge B");

        var localPort = Ports.Free();
        var access = Stack.Track(TestProcess.StartDotnet("access", Binaries.Connector,
            ["access", "tcp", "--hostname", $"{hostname}:{fixture.B.PublicPort}", "--url", $"127.0.0.1:{localPort}",
             "--edge-address", $"127.0.0.1:{fixture.B.PublicPort}", "--edge-ca", Stack.EdgeCa]));
        var client = await Eventually.Until(async () =>
        {
            var probe = new TcpClient();
            await probe.ConnectAsync(IPAddress.Loopback, localPort);
            return probe;
        }, _ => true, TimeSpan.FromSeconds(20), "access listener up");
        using (client)
        {
            var stream = client.GetStream();
            await stream.WriteAsync("ping through a peer\n"u8.ToArray());
            var buffer = new byte[20];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await stream.ReadExactlyAsync(buffer, timeout.Token);
            Assert.True("ping through a peer\n"u8.SequenceEqual(buffer), access.Output);
        }
    }

    [Fact]
    public async Task Unknown_hosts_get_404_and_a_tunnel_without_connector_anywhere_503_on_every_edge()
    {
        var (_, hostname, _) = await Stack.NewRoutedTunnelAsync();
        foreach (var edge in new[] { fixture.A, fixture.B, fixture.C })
        {
            using var unknown = await Stack.Public.GetAsync(edge.PublicUrl($"nobody-{Guid.NewGuid():N}.localhost"));
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            using var offline = await Eventually.Until(() => Stack.Public.GetAsync(edge.PublicUrl(hostname)),
                r => r.StatusCode == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(20), $"{hostname} known on {edge.Id}");
            Assert.Contains("no connector of it is online", await offline.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Killing_the_edge_that_holds_connections_loses_only_requests_in_flight_and_the_connector_moves()
    {
        // The connector is on A and C; requests arrive at B, which has no connection of its own.
        var (name, hostname, _) = await TunnelOnAsync(fixture.A, fixture.C);
        await WaitServedAsync(fixture.B, hostname);
        await WaitConnectionsAsync(name, c => c.Count == 4 && c.Any(e => e == fixture.A.Id) && c.Any(e => e == fixture.C.Id), "4 connections on A and C");

        var outcomes = new System.Collections.Concurrent.ConcurrentQueue<(TimeSpan At, bool Ok)>();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        using var client = new HttpClient(Stack.PublicHandler()) { Timeout = TimeSpan.FromSeconds(10) };
        var load = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                bool ok;
                try
                {
                    using var response = await client.GetAsync(fixture.B.PublicUrl(hostname, "/slow/50"));
                    ok = response.StatusCode == HttpStatusCode.OK;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    ok = false;
                }

                outcomes.Enqueue((clock.Elapsed, ok));
            }
        })).ToList();

        await Task.Delay(TimeSpan.FromSeconds(2));
        var failedOnABefore = await PeerOpensAsync(fixture.B, fixture.A.Id, "failed");
        var killedAt = clock.Elapsed;
        await fixture.A.Process!.KillAsync();
        await Task.Delay(TimeSpan.FromSeconds(8));
        await stop.CancelAsync();
        await Task.WhenAll(load);

        var after = outcomes.Where(o => o.At > killedAt).ToList();
        var failed = after.Where(o => !o.Ok).ToList();
        var lastFailure = failed.Count == 0 ? killedAt : failed.Max(o => o.At);
        Console.WriteLine($"edge A killed under load through B: {outcomes.Count(o => o.At <= killedAt)} ok before, {failed.Count} failed after, " +
            $"last failure {(lastFailure - killedAt).TotalMilliseconds:0} ms after the kill, {after.Count(o => o.Ok)} ok after");
        Assert.True(lastFailure - killedAt < TimeSpan.FromSeconds(5), $"requests failed until {(lastFailure - killedAt).TotalSeconds:0.0} s after the kill");
        Assert.Contains(after, o => o.Ok && o.At > lastFailure);

        // B's failed calls to A show as its peer health, in `tunnel edges` and `tunnel info`: read first, since a failure
        // counts as "failing" for 15 s (PeerHealth) and B stops calling A once the connector has left it. Whether B
        // called A at all is a race the product may win: the control plane, seeing A gone, can drop A's connections
        // from B's snapshot before B needs a new stream; then only B's metrics can tell.
        if (await PeerOpensAsync(fixture.B, fixture.A.Id, "failed") > failedOnABefore)
        {
            var edges = await Eventually.Until(() => Stack.CliAsync("edges"),
                r => r.Output.Split('\n').Any(l => l.StartsWith(fixture.B.Id, StringComparison.Ordinal) && l.Contains($"{fixture.A.Id} failing")),
                TimeSpan.FromSeconds(30), "edge B reporting its failed peer A");
            Assert.Equal(0, edges.ExitCode);
            var (_, info) = await Stack.CliAsync("tunnel", "info", name);
            Assert.Contains($"peer links of {fixture.B.Id}: {fixture.A.Id} failing", info);
        }

        // The connector replaced the lost connections on the edge that is left.
        // (A's rows stay listed until they go stale; C's count is what the connector did.)
        await WaitConnectionsAsync(name, c => c.Count(e => e == fixture.C.Id) == 4, "4 connections on C");

        // The dashboard counts the two connections that moved as reconnects, though the edge they left is gone: the
        // connector's own count, not what the edges still holding its connections saw.
        var tunnelId = (await Stack.Api.GetFromJsonAsync<System.Text.Json.JsonElement>($"api/tunnels/{name}")).GetProperty("id").GetString();
        using var dashboard = await DashboardSession.SignInAsync(Stack, Stack.AdminKey);
        await Eventually.Until(() => dashboard.GetFromJsonAsync<System.Text.Json.JsonElement>("dashboard/status.json"),
            s => s.GetProperty("tunnels").EnumerateArray().Where(t => t.GetProperty("id").GetString() == tunnelId)
                .SelectMany(t => t.GetProperty("replicas").EnumerateArray()).Any(r => r.GetProperty("reconnectsLastHour").GetInt32() >= 2),
            TimeSpan.FromSeconds(20), "the replica's 2 reconnects on the dashboard");

        await fixture.A.RestartAsync();
    }

    /// <summary>Streams an edge asked of one peer with one result, from its metrics (a counter since the edge started).</summary>
    private static async Task<long> PeerOpensAsync(EdgeNode edge, string peer, string result)
    {
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync($"http://127.0.0.1:{edge.ManagementPort}/metrics");
        return metrics.Split('\n')
            .Where(l => l.StartsWith("tunnel_edge_peer_stream_opens", StringComparison.Ordinal) && l.Contains($"peer=\"{peer}\"", StringComparison.Ordinal)
                && l.Contains($"result=\"{result}\"", StringComparison.Ordinal))
            .Sum(l => (long)double.Parse(l[(l.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_peer_call_needs_the_peer_key_and_the_peer_port()
    {
        var (name, hostname, _) = await TunnelOnAsync(fixture.C);
        await WaitServedAsync(fixture.C, hostname);
        var tunnelId = (await Stack.Api.GetFromJsonAsync<JsonElement>($"api/tunnels/{name}")).GetProperty("id").GetString()!;

        var derived = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Stack.EdgeKey), "tunnel edge peer v1"u8))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
        // The right key on the peer port: the peer opens the stream (positive control).
        Assert.Equal("ok", await PeerOpenAsync(fixture.C.PeerPort, derived, tunnelId));
        // No key, a wrong key, the edge key itself (never sent edge to edge): refused.
        Assert.StartsWith("Unauthenticated", await PeerOpenAsync(fixture.C.PeerPort, null, tunnelId));
        Assert.StartsWith("Unauthenticated", await PeerOpenAsync(fixture.C.PeerPort, "wrong", tunnelId));
        Assert.StartsWith("Unauthenticated", await PeerOpenAsync(fixture.C.PeerPort, Stack.EdgeKey, tunnelId));
        // The right key on the public or connector port: the peer service is not there.
        Assert.NotEqual("ok", await PeerOpenAsync(fixture.C.PublicPort, derived, tunnelId));
        Assert.NotEqual("ok", await PeerOpenAsync(fixture.C.ConnectorPort, derived, tunnelId));
    }

    [Fact]
    public async Task A_request_never_travels_two_peer_hops_even_on_a_stale_snapshot()
    {
        var (name, hostname, token) = await Stack.NewRoutedTunnelAsync();
        var onB = Stack.StartConnector(token, "--edge", fixture.B.ConnectorUrl);
        await WaitServedAsync(fixture.A, hostname);

        // The control plane stops: every edge keeps its last snapshot, which says the tunnel is on B.
        await Stack.ControlPlane!.KillAsync();
        await onB.KillAsync();
        Stack.StartConnector(token, "--edge", fixture.C.ConnectorUrl);
        await WaitServedAsync(fixture.C, hostname);

        var servedByC = await PeerStreamsServedAsync(fixture.C);
        // A asks B (its snapshot says so); B has no connection of the tunnel and must not pass the request on to C.
        using var viaA = await Eventually.Until(() => Stack.Public.GetAsync(fixture.A.PublicUrl(hostname, "/small")),
            r => r.StatusCode == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(20), "A answering 503");
        Assert.Contains("on other edges", await viaA.Content.ReadAsStringAsync());
        Assert.Equal(servedByC, await PeerStreamsServedAsync(fixture.C));

        await Stack.StartControlPlaneAsync();
        // With the control plane back, A learns the tunnel is on C and serves it through C.
        await WaitServedAsync(fixture.A, hostname);
    }

    /// <summary>How many streams the edge opened for peers so far (its Prometheus counter; absent means none).</summary>
    private static async Task<double> PeerStreamsServedAsync(EdgeNode edge)
    {
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync($"http://127.0.0.1:{edge.ManagementPort}/metrics");
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith("tunnel_edge_peer_streams_served", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Opens a peer call as an edge would, for the tunnel's local rule 1; "ok", or the failure.</summary>
    private Task<string> PeerOpenAsync(int port, string? key, string tunnelId)
    {
        var headers = new Grpc.Core.Metadata();
        if (key is not null)
        {
            headers.Add("authorization", "Bearer " + key);
        }

        return PeerCalls.OpenAsync(Stack, port, headers,
            new Tunnel.Shared.Protocol.OpenStream { TunnelId = tunnelId, IngressVersion = "local", Rule = 1, Service = $"http://127.0.0.1:{Stack.OriginPort}" });
    }

    /// <summary>Waits until the tunnel's live connections (their edges) satisfy a condition.</summary>
    private async Task WaitConnectionsAsync(string tunnel, Func<List<string>, bool> done, string what) =>
        await Eventually.Until(() => PeerCalls.ConnectionEdgesAsync(Stack, tunnel), done, TimeSpan.FromSeconds(30), what);
}
