using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Tunnel.EndToEnd.Tests.Infrastructure;
using Tunnel.Shared.Protocol;
using Tunnel.Shared.Security;

namespace Tunnel.EndToEnd.Tests.Security;

/// <summary>
/// What edges tell the control plane (connections, Access refusals, traffic) comes only from holders of the edge key:
/// anything else is refused, and nothing of a refused report is stored.
/// </summary>
public sealed class EdgeReportAttackTests : IAsyncLifetime
{
    private TunnelStack _stack = null!;

    public async Task InitializeAsync() => _stack = await TunnelStack.StartAsync(Store.Sqlite);

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    private static Metadata Auth(string? value) => value is null ? [] : new() { { TunnelHeaders.EdgeKey, value } };

    [Fact]
    public async Task Reports_without_the_edge_key_are_refused_and_leave_nothing_behind()
    {
        var (name, hostname, _) = await _stack.NewRoutedTunnelAsync();
        var tunnelId = (await _stack.Api.GetFromJsonAsync<JsonElement>($"api/tunnels/{name}")).GetProperty("id").GetString()!;
        using var channel = GrpcChannel.ForAddress($"https://127.0.0.1:{_stack.ControlPlanePort}",
            new GrpcChannelOptions { HttpHandler = TrustedCertificates.CreateHandler(_stack.ControlPlaneCa) });
        var client = new ConfigService.ConfigServiceClient(channel);

        var forgedRefusal = new AccessDecisionReport { EdgeId = "edge-evil" };
        forgedRefusal.Decisions.Add(new AccessDecisionRecord { RequestId = "forged-request", Host = hostname, Path = "/", Application = "x", ReasonCode = "access_denied", ExplanationJson = "{}" });
        var forgedTraffic = new TrafficReport { EdgeId = "edge-evil", ReportId = "forged:1" };
        forgedTraffic.Samples.Add(new TrafficSample { TunnelId = tunnelId, Hostname = hostname, Requests = 1_000_000 });
        var forgedConnections = new ConnectionReport { EdgeId = "edge-evil" };
        forgedConnections.Connections.Add(new LiveConnection { ConnectionId = "c", TunnelId = tunnelId, ConnectorId = "evil", Version = "1", RemoteAddress = "x" });

        var peerKey = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(_stack.EdgeKey), "tunnel edge peer v1"u8));
        foreach (var (what, headers) in new[]
        {
            ("no key", Auth(null)),
            ("a wrong key", Auth("Bearer " + SecretHash.NewSecret())),
            ("the key without Bearer", Auth(_stack.EdgeKey)),
            ("the key with a byte changed", Auth("Bearer " + _stack.EdgeKey[..^1] + (_stack.EdgeKey[^1] == 'A' ? 'B' : 'A'))),
            ("the peer key derived from it", Auth("Bearer " + peerKey)),
            ("an admin API key", Auth("Bearer " + _stack.AdminKey)),
        })
        {
            foreach (var call in new Func<Task>[]
            {
                () => client.ReportAccessDecisionsAsync(forgedRefusal, headers).ResponseAsync,
                () => client.ReportTrafficAsync(forgedTraffic, headers).ResponseAsync,
                () => client.ReportConnectionsAsync(forgedConnections, headers).ResponseAsync,
            })
            {
                var refused = await Assert.ThrowsAsync<RpcException>(call);
                Assert.True(refused.StatusCode == StatusCode.Unauthenticated, $"{what}: {refused.Status}");
            }
        }

        Assert.Equal(HttpStatusCode.NotFound, (await _stack.Api.GetAsync("api/access/decisions/forged-request")).StatusCode);
        var traffic = await _stack.Api.GetFromJsonAsync<JsonElement>($"api/tunnels/{name}/traffic");
        Assert.Equal(0, traffic.GetProperty("total").GetProperty("requests").GetInt64());
        var tunnel = await _stack.Api.GetStringAsync($"api/tunnels/{name}");
        Assert.DoesNotContain("evil", tunnel);

        // The same reports with the key are taken (the refusals above were the key's doing, not a broken call).
        await client.ReportTrafficAsync(forgedTraffic, Auth("Bearer " + _stack.EdgeKey));
        await client.ReportTrafficAsync(forgedTraffic, Auth("Bearer " + _stack.EdgeKey)); // resent: stored once
        traffic = await _stack.Api.GetFromJsonAsync<JsonElement>($"api/tunnels/{name}/traffic");
        Assert.Equal(1_000_000, traffic.GetProperty("total").GetProperty("requests").GetInt64());
    }
}
