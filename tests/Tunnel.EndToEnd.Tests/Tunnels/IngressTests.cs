using System.Net;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Tunnels;

/// <summary>What the connector serves: config.yml ingress rules, Unix socket origins, rule validation.</summary>
public class IngressTests(SqliteStackFixture fixture) : IClassFixture<SqliteStackFixture>
{
    private TunnelStack Stack => fixture.Stack;

    [Fact]
    public async Task Rules_route_by_hostname_and_path_and_answer_http_status_rules()
    {
        var (name, api, token) = await Stack.NewRoutedTunnelAsync();
        var other = $"other-{Guid.NewGuid():N}"[..14] + ".localhost";
        await Stack.RouteAsync(name, other);
        var config = Stack.TempPath($"{name}.yml");
        await File.WriteAllTextAsync(config, $"""
            ingress:
              - hostname: {api}
                path: ^/(small|echo)$
                service: http://127.0.0.1:{Stack.OriginPort}
              - hostname: {api}
                service: http_status:418
              - service: http_status:404
            """);
        Stack.StartConnector(token, "--config", config);
        await Stack.WaitServedAsync(api);

        Assert.Equal("ok\n", await Stack.Public.GetStringAsync(Stack.PublicUrl(api, "/small")));
        var teapot = await Stack.Public.GetAsync(Stack.PublicUrl(api, "/headers"));
        Assert.True(teapot.StatusCode == (HttpStatusCode)418, $"{(int)teapot.StatusCode}: {await teapot.Content.ReadAsStringAsync()}");
        var catchAll = await Stack.Public.GetAsync(Stack.PublicUrl(other, "/small"));
        Assert.Equal(HttpStatusCode.NotFound, catchAll.StatusCode);
        Assert.False(catchAll.Headers.Contains("X-Tunnel-Error"), "the 404 came from the edge's own pages, not from the rule");
    }

    [Fact]
    public async Task Https_origins_follow_the_rules_origin_request_settings()
    {
        // An HTTPS origin whose certificate names origin.internal, not the address the connector dials.
        var (cert, key) = TestCertificates.WritePem(Stack.TempPath($"origin-{Guid.NewGuid():N}"), "origin.internal");
        var port = Ports.Free();
        await using var origin = TestProcess.StartDotnet("https-origin", Binaries.DemoOrigin,
            ["--urls", $"https://127.0.0.1:{port};https://[::1]:{port}", $"--Kestrel:Certificates:Default:Path={cert}", $"--Kestrel:Certificates:Default:KeyPath={key}"]);

        var (name, verified, token) = await Stack.NewRoutedTunnelAsync();
        var (unverified, untrusted, renamed, plain) = (Host("noverify"), Host("untrusted"), Host("renamed"), Host("plain"));
        foreach (var h in new[] { unverified, untrusted, renamed, plain })
        {
            await Stack.RouteAsync(name, h);
        }

        var config = Stack.TempPath($"{name}.yml");
        await File.WriteAllTextAsync(config, $"""
            originRequest:
              connectTimeout: 5s
            ingress:
              - hostname: {verified}
                service: https://127.0.0.1:{port}
                originRequest:
                  originServerName: origin.internal
                  caPool: {cert}
              - hostname: {unverified}
                service: https://127.0.0.1:{port}
                originRequest:
                  noTLSVerify: true
              - hostname: {plain}
                service: https://127.0.0.1:{port}
              - hostname: {renamed}
                service: http://127.0.0.1:{Stack.OriginPort}
                originRequest:
                  httpHostHeader: internal.example
              - hostname: {untrusted}
                service: https://[::1]:{port}
              - service: http_status:404
            """);
        Stack.StartConnector(token, "--config", config);
        await Eventually.Until(() => Stack.Public.GetAsync(Stack.PublicUrl(verified, "/small")), r => r.StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(20), "verified https origin served");


        // Three rules send to the same service with different settings (as cloudflared allows): each keeps its own.
        Assert.Equal(HttpStatusCode.OK, (await Stack.Public.GetAsync(Stack.PublicUrl(unverified, "/small"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, (await Stack.Public.GetAsync(Stack.PublicUrl(plain, "/small"))).StatusCode);
        var failed = await Stack.Public.GetAsync(Stack.PublicUrl(untrusted, "/small"));
        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        Assert.DoesNotContain("[::1]", await failed.Content.ReadAsStringAsync()); // the reason is the operator's, in the edge's log
        // The edge's log is written asynchronously: the line may follow the response by a moment.
        await Eventually.Until(() => Task.FromResult(Stack.Edge!.Output), o => o.Contains("TLS handshake with https://[::1]", StringComparison.Ordinal),
            TimeSpan.FromSeconds(5), "the reason in the edge's log");
        Assert.Contains("You reached internal.example", await Stack.Public.GetStringAsync(Stack.PublicUrl(renamed, "/")));
    }

    [Fact]
    public async Task An_http_rule_pointed_at_an_https_origin_is_named_in_the_connectors_log()
    {
        var (cert, key) = TestCertificates.WritePem(Stack.TempPath($"tls-origin-{Guid.NewGuid():N}"), "origin.internal");
        var port = Ports.Free();
        await using var origin = TestProcess.StartDotnet("https-origin", Binaries.DemoOrigin,
            ["--urls", $"https://127.0.0.1:{port}", $"--Kestrel:Certificates:Default:Path={cert}", $"--Kestrel:Certificates:Default:KeyPath={key}"]);
        var (_, hostname, token) = await Stack.NewRoutedTunnelAsync();
        var connector = Stack.StartConnector(token, "--url", $"http://127.0.0.1:{port}");

        await Eventually.Until(() => Stack.Public.GetAsync(Stack.PublicUrl(hostname, "/small")), r => r.StatusCode == HttpStatusCode.BadGateway,
            TimeSpan.FromSeconds(20), "the request failing at the origin");
        await Eventually.Until(() => Task.FromResult(connector.Output), o => o.Contains("it speaks TLS", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), "the connector naming the mistake");
        Assert.Contains($"Write https://127.0.0.1:{port} in the ingress rule", connector.Output);
    }

    [Fact]
    public async Task A_rule_hostname_that_is_not_routed_is_warned_about_where_the_rules_are_set()
    {
        var (name, hostname, token) = await Stack.NewRoutedTunnelAsync();
        var typo = "x" + hostname;
        var config = Stack.TempPath($"{name}-typo.yml");
        await File.WriteAllTextAsync(config, $"""
            ingress:
              - hostname: {typo}
                service: http://127.0.0.1:{Stack.OriginPort}
              - service: http_status:404
            """);

        // Local rules: the edge tells the connector at registration, and its log says what to do.
        var connector = Stack.StartConnector(token, "--config", config);
        await Eventually.Until(() => Task.FromResult(connector.Output), o => o.Contains($"hostname {typo} is not routed to tunnel {name}", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), "the connector warning about the unrouted rule");
        Assert.Contains($"tunnel route dns {name} {typo}", connector.Output);

        // Remote rules: `ingress set` says so when they are saved.
        var set = await Stack.CliAsync("ingress", "set", name, config, "--wait", "1s");
        Assert.True(set.ExitCode == 0, set.Output);
        Assert.Contains($"warning: ingress rule #1: hostname {typo} is not routed to tunnel {name}", set.Output);
        Assert.Contains($"routed: {hostname}", set.Output);
    }

    private static string Host(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20] + ".localhost";

    [Fact]
    public async Task A_wildcard_route_serves_every_name_below_it_and_an_exact_route_wins()
    {
        var zone = $"w{Guid.NewGuid():N}"[..12] + ".localhost";
        var (wide, exact) = ($"wide-{Guid.NewGuid():N}"[..14], $"exact-{Guid.NewGuid():N}"[..14]);
        var (_, wideToken) = await Stack.CreateTunnelAsync(wide);
        await Stack.CreateTunnelAsync(exact);
        await Stack.RouteAsync(wide, $"*.{zone}");
        await Stack.RouteAsync(exact, $"x.{zone}");
        Stack.StartConnector(wideToken);

        await Stack.WaitServedAsync($"a.{zone}");
        Assert.Contains($"You reached b.c.{zone}", await Stack.Public.GetStringAsync(Stack.PublicUrl($"b.c.{zone}")));
        var exactPage = await Stack.Public.GetAsync(Stack.PublicUrl($"x.{zone}", "/small"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, exactPage.StatusCode); // the exact route's tunnel has no connector
        Assert.Contains($"Tunnel '{exact}'", await exactPage.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await Stack.Public.GetAsync(Stack.PublicUrl(zone))).StatusCode); // the zone itself is not below it

        // A name routed exactly to a tunnel whose connector serves no rules stays that tunnel's: 404 no_ingress_rule,
        // never the wildcard tunnel's origin (a connector started with only --token and no rules in the control plane).
        var empty = $"empty-{Guid.NewGuid():N}"[..14];
        var (_, emptyToken) = await Stack.CreateTunnelAsync(empty);
        await Stack.RouteAsync(empty, $"e.{zone}");
        Stack.StartRemotelyManagedConnector(emptyToken);
        var claimed = await Eventually.Until(() => Stack.Public.GetAsync(Stack.PublicUrl($"e.{zone}", "/small")),
            // 200 (the wildcard tunnel's origin) until the exact route reaches the edge; with the defect, forever.
            r => r.StatusCode is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.OK), TimeSpan.FromSeconds(20), "the empty tunnel's connector online, its name its own");
        Assert.Equal(HttpStatusCode.NotFound, claimed.StatusCode);
        Assert.Equal("no_ingress_rule", claimed.Headers.GetValues("X-Tunnel-Error").Single());
    }

    [Fact]
    public async Task Nested_wildcards_each_own_the_names_below_them_and_no_more()
    {
        var zone = $"n{Guid.NewGuid():N}"[..12] + ".localhost";
        var (wide, narrow) = ($"wide-{Guid.NewGuid():N}"[..14], $"narrow-{Guid.NewGuid():N}"[..15]);
        var (_, wideToken) = await Stack.CreateTunnelAsync(wide);
        await Stack.CreateTunnelAsync(narrow);
        await Stack.RouteAsync(narrow, $"*.a.{zone}");
        await Stack.RouteAsync(wide, $"*.{zone}");
        Stack.StartConnector(wideToken);

        await Stack.WaitServedAsync($"x.{zone}");
        // x.zone is below *.zone only: the wide tunnel's, never the narrow tunnel's (ASP.NET Core's host matcher
        // offered *.a.zone's routes for it too, at the same rule order).
        foreach (var name in new[] { $"x.{zone}", $"a.{zone}", $"b.c.{zone}" })
        {
            var page = await Stack.Public.GetAsync(Stack.PublicUrl(name));
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains($"You reached {name}", await page.Content.ReadAsStringAsync());
        }

        var narrowPage = await Stack.Public.GetAsync(Stack.PublicUrl($"y.a.{zone}", "/small"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, narrowPage.StatusCode); // the narrow tunnel has no connector
        Assert.Contains($"Tunnel '{narrow}'", await narrowPage.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_unix_socket_origin_is_served()
    {
        var socket = Stack.TempPath($"origin-{Guid.NewGuid():N}.sock");
        await using var origin = TestProcess.StartDotnet("unix-origin", Binaries.DemoOrigin, ["--urls", $"http://unix:{socket}"]);
        await Eventually.Until(() => Task.FromResult(File.Exists(socket)), x => x, TimeSpan.FromSeconds(20), "unix socket origin");

        var (_, hostname, token) = await Stack.NewRoutedTunnelAsync();
        Stack.StartConnector(token, "--url", $"unix:{socket}");
        await Stack.WaitServedAsync(hostname);
        Assert.Contains($"You reached {hostname}", await Stack.Public.GetStringAsync(Stack.PublicUrl(hostname)));
    }

    [Fact]
    public async Task A_config_without_a_catch_all_is_refused_before_connecting()
    {
        var (_, _, token) = await Stack.NewRoutedTunnelAsync();
        var config = Stack.TempPath($"bad-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(config, "ingress:\n  - hostname: a.example.com\n    service: http://127.0.0.1:1\n");
        var connector = Stack.StartConnector(token, "--config", config);
        await connector.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, connector.ExitCode);
        Assert.Contains("ingress rule #1: the last rule must match all URLs", connector.Output);
        Assert.DoesNotContain("registered", connector.Output);
    }
}
