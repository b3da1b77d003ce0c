using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Tunnel.EndToEnd.Tests.Infrastructure;
using Tunnel.Shared.Protocol;
using Tunnel.Shared.Security;

namespace Tunnel.EndToEnd.Tests.EdgeCluster;

/// <summary>Two edges of one control plane on Postgres (its column limits are part of what is attacked): A and B.</summary>
public sealed class TwoEdgeFixture : IAsyncLifetime
{
    public TunnelStack Stack { get; private set; } = null!;
    public EdgeNode A => Stack.FirstEdge;
    public EdgeNode B { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Stack = await TunnelStack.StartAsync(Store.Postgres);
        B = await Stack.AddEdgeAsync("edge-b");
    }

    public async Task DisposeAsync() => await Stack.DisposeAsync();
}

/// <summary>
/// The attacker's pass on the edge cluster: the peer port from outside, a connector (a valid tunnel token) whose
/// registration now travels through the control plane to every edge, and an edge-key holder advertising addresses.
/// Legitimate connectors here are pinned (--edge), so an address a test advertises does not move them.
/// </summary>
public sealed class PeerAttackTests(TwoEdgeFixture fixture) : IClassFixture<TwoEdgeFixture>
{
    private TunnelStack Stack => fixture.Stack;

    private string PeerKey => Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Stack.EdgeKey), "tunnel edge peer v1"u8))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private async Task<(string Name, string Hostname, string Token)> TunnelOnAsync(EdgeNode edge)
    {
        var (name, hostname, token) = await Stack.NewRoutedTunnelAsync();
        Stack.StartConnector(token, "--edge", edge.ConnectorUrl);
        await WaitServedAsync(edge, hostname);
        return (name, hostname, token);
    }

    private async Task WaitServedAsync(EdgeNode edge, string hostname, int seconds = 30) =>
        await Eventually.Until(() => Stack.Public.GetAsync(edge.PublicUrl(hostname, "/small")), r => r.StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(seconds), $"{hostname} served on {edge.Id}");

    /// <summary>A tunnel routed now, and whether each edge learned of it (answers 503, not 404) within the time.</summary>
    private async Task<string> EdgesLearningANewTunnelAsync(TimeSpan within)
    {
        var id = Guid.NewGuid().ToString("N")[..10];
        await Stack.CreateTunnelAsync($"t-{id}");
        await Stack.RouteAsync($"t-{id}", $"h{id}.localhost");
        var verdicts = new List<string>();
        foreach (var edge in new[] { fixture.A, fixture.B })
        {
            try
            {
                await Eventually.Until(() => Stack.Public.GetAsync(edge.PublicUrl($"h{id}.localhost")),
                    r => r.StatusCode == HttpStatusCode.ServiceUnavailable, within, $"{edge.Id} learning of a new tunnel");
            }
            catch (TimeoutException ex)
            {
                verdicts.Add(ex.Message);
            }
        }

        return string.Join("\n", verdicts);
    }

    private Task<List<string>> ConnectionEdgesAsync(string tunnel) => PeerCalls.ConnectionEdgesAsync(Stack, tunnel);

    private async Task<string> TunnelIdAsync(string name) =>
        (await Stack.Api.GetFromJsonAsync<JsonElement>($"api/tunnels/{name}")).GetProperty("id").GetString()!;

    private Task<string> PeerOpenAsync(int port, Metadata headers, OpenStream open) => PeerCalls.OpenAsync(Stack, port, headers, open);

    private static Metadata Auth(string value) => new() { { "authorization", value } };

    [Fact]
    public async Task The_peer_port_serves_only_the_peer_service_and_only_to_the_peer_key()
    {
        var (name, hostname, token) = await TunnelOnAsync(fixture.B);
        var tunnelId = await TunnelIdAsync(name);
        TunnelToken.TryDecode(token, out var decoded, out _);
        var origin = new OpenStream { TunnelId = tunnelId, IngressVersion = "local", Rule = 1, Service = $"http://127.0.0.1:{Stack.OriginPort}" };
        var port = fixture.B.PeerPort;

        Assert.Equal("ok", await PeerOpenAsync(port, Auth("Bearer " + PeerKey), origin)); // positive control
        foreach (var (what, headers) in new (string, Metadata)[]
        {
            ("scheme in lower case", Auth("bearer " + PeerKey)),
            ("another scheme", Auth("Basic " + PeerKey)),
            ("no scheme", Auth(PeerKey)),
            ("half the key", Auth("Bearer " + PeerKey[..21])),
            ("the key and more", Auth("Bearer " + PeerKey + "A")),
            ("the key as standard base64", Auth("Bearer " + Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Stack.EdgeKey), "tunnel edge peer v1"u8)))),
            ("the edge key", Auth("Bearer " + Stack.EdgeKey)),
            ("the admin key", Auth("Bearer " + Stack.AdminKey)),
            ("the tunnel token", Auth("Bearer " + token)),
            ("the tunnel secret", Auth("Bearer " + decoded!.Secret)),
            ("the tunnel's connector headers", new Metadata { { TunnelHeaders.TunnelId, tunnelId }, { TunnelHeaders.TunnelSecret, decoded.Secret } }),
            ("an Access service token", new Metadata { { "tunnel-access-client-id", "x" }, { "tunnel-access-client-secret", "y" } }),
            ("an empty bearer", Auth("Bearer ")),
        })
        {
            var answer = await PeerOpenAsync(port, headers, origin);
            Assert.True(answer.StartsWith("Unauthenticated", StringComparison.Ordinal), $"{what}: {answer}");
        }

        // With the key: only the tunnel's own rules' services (the connector refuses others), and never another hop.
        var elsewhere = new OpenStream(origin) { Service = $"http://127.0.0.1:{Stack.ControlPlanePort}", Rule = 0 };
        Assert.Contains("no ingress rule", await PeerOpenAsync(port, Auth("Bearer " + PeerKey), elsewhere));
        var other = await Stack.NewRoutedTunnelAsync();
        Stack.StartConnector(other.Token, "--edge", fixture.A.ConnectorUrl);
        await WaitServedAsync(fixture.A, other.Hostname);
        var onA = new OpenStream(origin) { TunnelId = await TunnelIdAsync(other.Name) };
        Assert.StartsWith("no_connector", await PeerOpenAsync(port, Auth("Bearer " + PeerKey), onA));

        // The peer port serves nothing else, whatever the request names: tunnel routes, the connector service, health.
        foreach (var (authority, path, contentType) in new[]
        {
            (hostname, "/small", "text/plain"),
            (hostname, "/tunnel.v1.TunnelEdge/Control", "application/grpc"),
            ($"localhost:{fixture.B.ConnectorPort}", "/tunnel.v1.TunnelEdge/Data", "application/grpc+proto"),
            ($"127.0.0.1:{fixture.B.ManagementPort}", "/healthz", "text/plain"),
            ($"127.0.0.1:{fixture.B.ManagementPort}", "/metrics", "text/plain"),
            (hostname, "/tunnel.v1.ConfigService/WatchConfig", "application/grpc"),
        })
        {
            var response = await RawHttp2Client.SendAsync(port, "localhost", [
                (":method", "POST"), (":scheme", "https"), (":authority", authority), (":path", path), ("content-type", contentType),
                ("te", "trailers"), (TunnelHeaders.TunnelId, tunnelId), (TunnelHeaders.TunnelSecret, decoded.Secret)], [0, 0, 0, 0, 0]);
            Assert.True(response.Status is null or 404 && response.Header("grpc-status") is null or "12",
                $"{path} for {authority} on the peer port answered {response.Status} grpc-status {response.Header("grpc-status")}: {response.BodyText}");
        }

        // And the peer service is on no other port, however its path is spelled.
        foreach (var p in new[] { fixture.B.PublicPort, fixture.B.ConnectorPort })
        {
            foreach (var path in new[] { "/tunnel.v1.EdgePeer/Open", "/tunnel.v1.edgepeer/open", "/TUNNEL.V1.EDGEPEER/OPEN" })
            {
                var response = await RawHttp2Client.SendAsync(p, "localhost", [
                    (":method", "POST"), (":scheme", "https"), (":authority", $"localhost:{fixture.B.PeerPort}"), (":path", path),
                    ("content-type", "application/grpc"), ("te", "trailers"), ("authorization", "Bearer " + PeerKey)], [0, 0, 0, 0, 0]);
                Assert.True(response.Status is null or 404 or 400 && response.Header("grpc-status") is null or "12",
                    $"{path} on port {p} answered {response.Status} grpc-status {response.Header("grpc-status")}");
            }
        }
    }

    [Theory]
    [InlineData("a:b")] // ASP.NET Core's host matcher cannot parse it: building the route table throws
    [InlineData("xn--a")] // not valid punycode: building the edge's routes throws
    public async Task A_connectors_own_rule_with_a_malformed_name_under_its_wildcard_route_breaks_no_edge(string label)
    {
        var zone = $"w{Guid.NewGuid():N}"[..12] + ".localhost";
        var name = $"wild-{Guid.NewGuid():N}"[..14];
        var (_, token) = await Stack.CreateTunnelAsync(name);
        await Stack.RouteAsync(name, $"*.{zone}");
        await Eventually.Until(() => Stack.Public.GetAsync(fixture.B.PublicUrl($"x.{zone}")), r => r.StatusCode == HttpStatusCode.ServiceUnavailable,
            TimeSpan.FromSeconds(20), "edge B learning of the wildcard route");

        // Our connector never sends such a rule (it validates its config); a hand-written one does, on edge A only.
        await using var evil = new HandWrittenConnector(fixture.A, token, Stack.EdgeCa);
        var refused = await evil.TryRegisterAsync(HandWrittenConnector.Rules(new IngressRule { Hostname = $"{label}.{zone}", Service = $"http://127.0.0.1:{Stack.OriginPort}" }));
        // Edge B hears of the rule through the control plane (A's next report, then the snapshot's placements).
        await Task.Delay(TimeSpan.FromSeconds(12));

        // Both edges still follow changes: a tunnel whose connector comes up now on B is served on B and, through B, on A.
        try
        {
            var (_, hostname, victimToken) = await Stack.NewRoutedTunnelAsync();
            Stack.StartConnector(victimToken, "--edge", fixture.B.ConnectorUrl);
            await WaitServedAsync(fixture.B, hostname, 20);
            await WaitServedAsync(fixture.A, hostname, 20);
            foreach (var edge in new[] { fixture.A, fixture.B })
            {
                using var management = new HttpClient();
                var ready = await management.GetAsync($"http://127.0.0.1:{edge.ManagementPort}/readyz");
                Assert.True(ready.IsSuccessStatusCode, $"{edge.Id} /readyz: {(int)ready.StatusCode}");
            }
        }
        catch (TimeoutException ex)
        {
            Assert.Fail($"a connector's rule for {label}.{zone} broke routing (registration refused: {refused?.Status.Detail ?? "no"}):\n{ex.Message}\n{Trouble()}");
        }
    }

    /// <summary>Whether each edge still runs, and its last errors: what an attack left behind.</summary>
    private string Trouble() => string.Join("\n", new[] { fixture.A, fixture.B }.Select(e =>
        $"{e.Id} {(e.Process!.HasExited ? "EXITED" : "running")}:\n  " + string.Join("\n  ", e.Process.Output.Split('\n')
            .Where(l => l.Contains("fail:", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal)).TakeLast(6))));

    /// <summary>Rules of about <paramref name="bytes"/> bytes for the hostname (long path patterns), then the catch-all.</summary>
    private static Register Bulky(string hostname, int bytes)
    {
        var rules = Enumerable.Range(0, bytes / 1024).Select(i => new IngressRule
        {
            Hostname = hostname, Path = $"^/{i}/" + new string('a', 1000), Service = "http://127.0.0.1:1",
        }).ToArray();
        return HandWrittenConnector.Rules(rules);
    }

    [Fact]
    public async Task A_connectors_huge_own_rules_do_not_stop_the_config_reaching_every_edge()
    {
        var (name, hostname, token) = await Stack.NewRoutedTunnelAsync();
        RpcException? refusedOnA, refusedOnB;
        await using (var onA = new HandWrittenConnector(fixture.A, token, Stack.EdgeCa))
        await using (var onB = new HandWrittenConnector(fixture.B, token, Stack.EdgeCa))
        {
            // 2.5 MB of rules per edge: each edge's report fits gRPC's 4 MB, the snapshot holding both does not.
            refusedOnA = await onA.TryRegisterAsync(Bulky(hostname, 2_500_000));
            refusedOnB = await onB.TryRegisterAsync(Bulky(hostname, 2_500_000));
            await Task.Delay(TimeSpan.FromSeconds(3));

            var stuck = await EdgesLearningANewTunnelAsync(TimeSpan.FromSeconds(20));
            Assert.True(stuck.Length == 0, $"edges stopped receiving config (revocations, new routes) after one connector's registration:\n{stuck}");
        }

        Assert.Equal(StatusCode.ResourceExhausted, refusedOnA?.StatusCode);
        Assert.Equal(StatusCode.ResourceExhausted, refusedOnB?.StatusCode);
        Assert.Contains("64 KiB", refusedOnA!.Status.Detail);
    }

    [Fact]
    public async Task Many_connections_of_one_tunnel_carrying_rules_do_not_drop_their_edge_out_of_the_cluster()
    {
        // A tunnel whose connector is on B only: A serves it through B as long as B's reports reach the control plane.
        var (_, victim, _) = await TunnelOnAsync(fixture.B);
        await WaitServedAsync(fixture.A, victim);

        var (_, hostname, token) = await Stack.NewRoutedTunnelAsync();
        await using var evil = new HandWrittenConnector(fixture.B, token, Stack.EdgeCa);
        var refusals = new List<RpcException>();
        for (var i = 0; i < 80; i++)
        {
            // Each under the 64 KiB a registration may bring; 80 of them make 4.8 MB in a report that repeats them.
            if (await evil.TryRegisterAsync(Bulky(hostname, 60 * 1024)) is { } refused)
            {
                refusals.Add(refused);
            }
        }

        Assert.Empty(refusals);
        // A report that does not reach the control plane leaves B stale: after 35 s it drops out of the snapshot.
        await Task.Delay(TimeSpan.FromSeconds(40));
        var second = await TunnelOnAsync(fixture.B);
        await WaitServedAsync(fixture.A, second.Hostname, 20);
        await WaitServedAsync(fixture.A, victim, 5);
    }

    [Fact]
    public async Task A_tunnel_holds_at_most_its_share_of_connections_on_an_edge()
    {
        var (_, _, token) = await Stack.NewRoutedTunnelAsync();
        await using var evil = new HandWrittenConnector(fixture.A, token, Stack.EdgeCa);
        for (var i = 0; i < 100; i++)
        {
            await evil.RegisterAsync(HandWrittenConnector.Rules());
        }

        var refused = await evil.TryRegisterAsync(HandWrittenConnector.Rules());
        Assert.Equal(StatusCode.ResourceExhausted, refused?.StatusCode);
    }

    [Fact]
    public async Task A_connector_id_longer_than_the_database_allows_does_not_stop_its_edges_reports()
    {
        var (_, _, evilToken) = await Stack.NewRoutedTunnelAsync();
        await using var evil = new HandWrittenConnector(fixture.B, evilToken, Stack.EdgeCa);
        var register = HandWrittenConnector.Rules();
        register.ConnectorId = new string('x', 200);
        register.Version = new string('v', 200);
        await evil.RegisterAsync(register);

        // Another tenant's tunnel, on B only: A can serve it only once B's report told the control plane.
        var (_, victim, _) = await TunnelOnAsync(fixture.B);
        await WaitServedAsync(fixture.A, victim, 20);
    }

    [Fact]
    public async Task An_edge_key_holder_advertises_where_connectors_go_and_a_refusal_there_does_not_stop_the_connector()
    {
        // A fake "edge" with a certificate connectors trust: it notes what a connector sends and refuses the token.
        var captured = new ConcurrentQueue<string>();
        var port = Ports.Free();
        var ca = DevCertificateAuthority.LoadOrCreate(Path.GetDirectoryName(Stack.EdgeCa)!);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l =>
        {
            l.Protocols = HttpProtocols.Http2;
            l.UseHttps(ca.ServerCertificate("localhost"));
        }));
        await using var fake = builder.Build();
        fake.Run(context =>
        {
            captured.Enqueue(context.Request.Headers[TunnelHeaders.TunnelSecret].ToString());
            context.Response.ContentType = "application/grpc";
            context.Response.AppendTrailer("grpc-status", "16");
            context.Response.AppendTrailer("grpc-message", "tunnel token refused");
            return Task.CompletedTask;
        });
        await fake.StartAsync();

        // Whoever holds the edge key reports an "edge" with that connector address; every edge then advertises it.
        using (var channel = GrpcChannel.ForAddress($"https://127.0.0.1:{Stack.ControlPlanePort}",
            new GrpcChannelOptions { HttpHandler = TrustedCertificates.CreateHandler(Stack.ControlPlaneCa) }))
        {
            await new ConfigService.ConfigServiceClient(channel).ReportConnectionsAsync(
                new ConnectionReport { EdgeId = "edge-evil", ConnectorUrl = $"https://localhost:{port}" }, Auth("Bearer " + Stack.EdgeKey));
        }

        // A connector given only its token learns the edges (the fake one among them) and spreads over them.
        var (_, hostname, token) = await Stack.NewRoutedTunnelAsync();
        var connector = Stack.StartConnector(token);
        await Eventually.Until(() => Task.FromResult(captured.Count), n => n > 0, TimeSpan.FromSeconds(30), "a connection dialing the advertised address");

        // What the edge key buys: the tunnel's secret, sent to whatever address an edge-key holder advertised.
        TunnelToken.TryDecode(token, out var decoded, out _);
        Assert.Equal(decoded!.Secret, captured.First());

        // A refusal by an edge only the cluster told of moves that connection on; it does not stop the connector.
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.False(connector.HasExited, connector.Output);
        await WaitServedAsync(fixture.A, hostname);
        await connector.StopAsync(TimeSpan.FromSeconds(10));
    }
}
