using System.Text.Json;
using Tunnel.EndToEnd.Tests.Access;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Security;

/// <summary>
/// The attacker's pass on the gate, kept as tests: other ports, encoded and odd paths, hostname spellings, and
/// credentials that must never reach an origin. Requests are sent raw (HTTP/1.1 and hand-written HTTP/2) so nothing
/// normalizes them on the way.
/// </summary>
[Collection(SecurityCollection.Name)]
public sealed class GateBypassTests(AccessFixture fixture)
{
    private readonly SecurityScenario _s = new(fixture);
    private TunnelStack Stack => fixture.Stack;

    private async Task<(string Host, (string Id, string ClientId, string Secret) Wide, (string Id, string ClientId, string Secret) Admin)> AdminScopedHostAsync(bool withHostWideApp)
    {
        var host = await _s.ServedHostnameAsync();
        var admin = await _s.CreateServiceTokenAsync($"admin-{host}");
        var wide = await _s.CreateServiceTokenAsync($"wide-{host}");
        await _s.CreateAppAsync($"admin-{host}", [$"{host}/admin"], SecurityScenario.ServiceAuth(admin.ClientId));
        if (withHostWideApp)
        {
            await _s.CreateAppAsync($"wide-{host}", [host], SecurityScenario.ServiceAuth(wide.ClientId));
        }

        await _s.WaitStatusAsync(host, "/admin", 401);
        await _s.WaitStatusAsync(host, "/admin", 200, SecurityScenario.TokenHeaders(admin));
        return (host, wide, admin);
    }

    [Fact]
    public async Task The_connector_port_serves_only_the_connector_service_whatever_the_request_says()
    {
        var (host, _, _) = await AdminScopedHostAsync(withHostWideApp: false);
        var tcpHost = await _s.ServedHostnameAsync();

        // A gRPC-looking request for a protected hostname, and an extended CONNECT for a tunnel: neither reaches an origin.
        foreach (var method in new[] { "GET", "POST" })
        {
            var grpc = await RawHttp2Client.SendAsync(Stack.ConnectorPort, host, [
                (":method", method), (":scheme", "https"), (":authority", host), (":path", "/admin/secret"),
                ("content-type", "application/grpc"), ("te", "trailers"), ("tunnel-access-jwt-assertion", "forged")], method == "POST" ? [0, 0, 0, 0, 0] : null);
            Assert.True(grpc.Status is null or 404, $"{method} to the connector port answered {grpc.Status}: {grpc.BodyText}");
            Assert.DoesNotContain("\"target\"", grpc.BodyText);
        }

        var connect = await RawHttp2Client.SendAsync(Stack.ConnectorPort, tcpHost, [
            (":method", "CONNECT"), (":protocol", "websocket"), (":scheme", "https"), (":authority", tcpHost), (":path", "/"),
            ("sec-websocket-version", "13")]);
        Assert.True(connect.Status is null or 404, $"extended CONNECT to the connector port answered {connect.Status}");

        // Nor the management endpoints, over the connector port.
        var metricsThere = await RawHttp2Client.SendAsync(Stack.ConnectorPort, host, [
            (":method", "GET"), (":scheme", "https"), (":authority", $"127.0.0.1:{Stack.ManagementPort}"), (":path", "/metrics")]);
        Assert.True(metricsThere.Status is null or 404, $"/metrics on the connector port answered {metricsThere.Status}");

        // The management port reaches no tunnel, whatever the Host.
        using (var management = new HttpClient())
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{Stack.ManagementPort}/admin/secret");
            request.Headers.Host = host;
            using var response = await management.SendAsync(request);
            Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
            Assert.DoesNotContain("\"target\"", await response.Content.ReadAsStringAsync());
        }

        // Plain HTTP/1.1 is not spoken there at all.
        await Assert.ThrowsAnyAsync<Exception>(() => RawHttp1Client.GetAsync(Stack.ConnectorPort, host, "/admin"));

        // The public port never reaches the connector service, however the content type is spelled: under a
        // host-wide application the gate answers, as for any path of that hostname.
        await _s.CreateAppAsync($"wide-{tcpHost}", [tcpHost], SecurityScenario.Allow("example.com"));
        await _s.WaitStatusAsync(tcpHost, "/", 401);
        foreach (var contentType in new[] { "application/grpc", "Application/grpc", "APPLICATION/GRPC+proto" })
        {
            var control = await RawHttp2Client.SendAsync(Stack.PublicPort, tcpHost, [
                (":method", "POST"), (":scheme", "https"), (":authority", tcpHost), (":path", "/tunnel.v1.TunnelEdge/Control"),
                ("content-type", contentType), ("te", "trailers")], [0, 0, 0, 0, 0]);
            Assert.True(control.Status == 401, $"{contentType} to the public port answered {control.Status} grpc-status {control.Header("grpc-status")} {control.Header("grpc-message")}");
        }

        // Nor the management endpoints, whatever the Host says.
        var metrics = await RawHttp1Client.GetAsync(Stack.PublicPort, host, "/metrics", $"X-Forwarded-Host: 127.0.0.1:{Stack.ManagementPort}");
        Assert.DoesNotContain("tunnel_edge", metrics.Body);
    }

    [Theory]
    [InlineData("/%61dmin")]
    [InlineData("/%41DMIN/x")]
    [InlineData("/ADMIN")]
    [InlineData("//admin")]
    [InlineData("/./admin")]
    [InlineData("/x/../admin")]
    [InlineData("/x/%2e%2e/admin")]
    [InlineData("/admin;jsessionid=1")]
    [InlineData("/admin.")]
    [InlineData("/admin%20")]
    [InlineData("/admin%2e")]
    [InlineData("/%EF%BD%81dmin")]
    [InlineData("/adm%C4%B1n")]
    [InlineData("/admin%5C")]
    [InlineData("/admin\\x")]
    [InlineData("/x%2F..%2Fadmin")]
    [InlineData("/x/..;/admin")]
    [InlineData("/x/..%3B/admin")]
    [InlineData("/admin%3F/x")]
    [InlineData("/admin%23/x")]
    [InlineData("/%252e%252e/admin")]
    [InlineData("/admin%C2%A0/x")]
    [InlineData("/%F0%9D%90%9Admin/x")]
    [InlineData("/%E1%B5%83dmin/x")]
    [InlineData("/adm%E2%85%B0n/x")]
    public async Task Every_spelling_of_a_protected_path_is_gated_or_refused(string target)
    {
        var (host, wide, admin) = await CachedHostAsync();
        // Not logged in: refused (401) or an ambiguous form refused outright (400); never the origin.
        var anonymous = await _s.RawGetAsync(host, target);
        Assert.True(anonymous.Status is 401 or 400, $"{target} answered {anonymous.Status}: {anonymous.Body}");

        // Allowed by the host-wide application but not by /admin's: still refused.
        var other = await _s.RawGetAsync(host, target, SecurityScenario.TokenHeaders(wide));
        Assert.True(other.Status is 401 or 403 or 400, $"{target} with the host-wide token answered {other.Status}: {other.Body}");

        // Allowed by /admin's: what the origin receives is the canonical path the gate decided on.
        var allowed = await _s.RawGetAsync(host, target, SecurityScenario.TokenHeaders(admin));
        if (allowed.Status == 200)
        {
            var seen = JsonDocument.Parse(allowed.Body[allowed.Body.IndexOf('{')..(allowed.Body.LastIndexOf('}') + 1)]).RootElement;
            var received = seen.GetProperty("target").GetString()!;
            Assert.DoesNotContain("%2", received, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("//", received);
            Assert.DoesNotContain("..", received);
        }

        // The same over HTTP/2, where :path is not a request line.
        var h2 = await RawHttp2Client.SendAsync(Stack.PublicPort, host, [
            (":method", "GET"), (":scheme", "https"), (":authority", host), (":path", target), ("accept", "application/json")]);
        Assert.True(h2.Status is 401 or 400 || h2.ResetErrorCode is not null, $"{target} over HTTP/2 answered {h2.Status}: {h2.BodyText}");
    }

    private static Task<(string Host, (string Id, string ClientId, string Secret) Wide, (string Id, string ClientId, string Secret) Admin)>? _cached;
    private static readonly Lock CacheLock = new();

    /// <summary>One host for the theory's cases (each case is a new instance of this class).</summary>
    private Task<(string Host, (string Id, string ClientId, string Secret) Wide, (string Id, string ClientId, string Secret) Admin)> CachedHostAsync()
    {
        lock (CacheLock)
        {
            return _cached ??= AdminScopedHostAsync(withHostWideApp: true);
        }
    }

    [Fact]
    public async Task A_path_scoped_application_alone_protects_its_path_against_encodings()
    {
        var (host, _, _) = await AdminScopedHostAsync(withHostWideApp: false);
        foreach (var target in new[] { "/%61dmin", "/Admin/x", "//admin", "/admin;x", "/admin.", "/%EF%BD%81dmin" })
        {
            var response = await _s.RawGetAsync(host, target);
            Assert.True(response.Status is 401 or 400, $"{target} answered {response.Status}: {response.Body}");
        }

        Assert.Equal(200, (await _s.RawGetAsync(host, "/public/x")).Status); // outside the application: open

        // An opening cannot be left through look-alike dots: each of these reads as '..' somewhere.
        await _s.CreateAppAsync($"open-{host}", [$"{host}/public/open"], SecurityScenario.Bypass());
        await _s.WaitStatusAsync(host, "/public/open/x", 200);
        foreach (var target in new[] { "/public/open/%E2%80%A5/admin", "/public/open/%EF%B8%B0/admin", "/public/open/..%E3%80%80/admin", "/public/open/%EF%BC%8E%EF%BC%8E/admin" })
        {
            var response = await _s.RawGetAsync(host, target);
            Assert.True(response.Status == 400, $"{target} answered {response.Status}: {response.Body}");
        }
    }

    [Fact]
    public async Task An_application_written_in_punycode_or_unicode_protects_the_name_either_way()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var unicode = $"bücher-{suffix}.localhost";
        var ascii = new System.Globalization.IdnMapping().GetAscii(unicode);
        var host = await _s.ServedHostnameAsync(ascii);
        var other = $"straße-{suffix}.localhost";
        var otherAscii = new System.Globalization.IdnMapping().GetAscii(other);
        await _s.ServedHostnameAsync(otherAscii);
        await _s.CreateAppAsync($"puny-{suffix}", [ascii + "/admin"], SecurityScenario.Allow("example.com"));
        await _s.CreateAppAsync($"uni-{suffix}", [other], SecurityScenario.Allow("example.com"));

        await _s.WaitStatusAsync(ascii, "/admin", 401);
        foreach (var spelling in new[] { ascii, ascii.ToUpperInvariant(), ascii + "." })
        {
            Assert.Equal(401, (await _s.RawGetAsync(spelling, "/admin/x")).Status);
            Assert.Equal(200, (await _s.RawGetAsync(spelling, "/public/x")).Status);
        }

        await _s.WaitStatusAsync(otherAscii, "/public/x", 401);
        Assert.Equal(401, (await _s.RawGetAsync(otherAscii.ToUpperInvariant() + ".", "/public/x")).Status);

        // Names that are not names (bad punycode) get a 400 page, not a crash.
        foreach (var bad in new[] { "xn--other-.localhost", "xn--.localhost", "a..localhost" })
        {
            var response = await RawHttp1Client.SendAsync(Stack.PublicPort, ascii, $"GET / HTTP/1.1\r\nHost: {bad}\r\nConnection: close\r\n\r\n");
            Assert.True(response.Status == 400, $"Host {bad} answered {response.Status}");
        }
        _ = host;
    }

    [Fact]
    public async Task A_name_that_differs_only_in_a_final_sigma_is_another_name_for_the_gate_and_the_router_alike()
    {
        // σ (xn--4xa…) and ς (xn--3xa…) are two IDNA names that a case-insensitive comparison of their Unicode forms
        // merges: routing once compared those while the gate compared the ASCII forms, so the unprotected spelling
        // reached the protected name's origin.
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var idn = new System.Globalization.IdnMapping();
        var sigma = idn.GetAscii($"σ{suffix}.localhost");
        var finalSigma = idn.GetAscii($"ς{suffix}.localhost");
        Assert.NotEqual(sigma, finalSigma);
        await _s.ServedHostnameAsync(sigma);
        await _s.CreateAppAsync($"sigma-{suffix}", [sigma], SecurityScenario.Allow("example.com"));
        await _s.WaitStatusAsync(sigma, "/", 401);

        var response = await _s.RawGetAsync(finalSigma, "/");
        Assert.Equal(404, response.Status); // not routed: never the protected name's origin

        // The same over HTTP/2, where the name travels as :authority (and TLS names the protected one).
        foreach (var (authority, expected) in new[] { (sigma, 401), (finalSigma, 404), (finalSigma.ToUpperInvariant() + ".", 404) })
        {
            var h2 = await RawHttp2Client.SendAsync(Stack.PublicPort, sigma,
                [(":method", "GET"), (":scheme", "https"), (":authority", authority), (":path", "/")]);
            Assert.True(h2.Status == expected, $":authority {authority} answered {h2.Status}, expected {expected}");
        }
    }

    [Fact]
    public async Task Credentials_the_edge_consumes_never_reach_the_origin_on_any_path()
    {
        var host = await _s.ServedHostnameAsync();
        var token = await _s.CreateServiceTokenAsync($"creds-{host}");
        await _s.CreateAppAsync($"admin-{host}", [$"{host}/admin"], SecurityScenario.ServiceAuth(token.ClientId));
        await _s.CreateAppAsync($"open-{host}", [$"{host}/public/open"], SecurityScenario.Bypass());
        await _s.WaitStatusAsync(host, "/admin", 200, SecurityScenario.TokenHeaders(token));
        await _s.WaitStatusAsync(host, "/public/open", 200);

        string[] presented =
        [
            .. SecurityScenario.TokenHeaders(token),
            "Tunnel-Access-Token: some-session",
            "Cookie: keep=1; __Host-tunnel_access_0123456789abcdef0123456789abcdef=s1; tunnel_access=s2; tunnel_auth=s3; __Host-tunnel_login_00=s4; also=2",
            "Tunnel_Access_Jwt_Assertion: forged",
            "Tunnel-Access-Jwt-Assertion: forged",
            "X_Forwarded_For: 6.6.6.6",
            "X-Original-URL: /admin",
            "X-Rewrite-URL: /admin",
        ];
        // Cookies of ours hidden in pairs that some origins split differently, and a header value outside ASCII.
        foreach (var cookie in new[] { "a=b, __Host-tunnel_access_x=eyJ.eyJ.sig", " __Host-tunnel_access_x =SECRET", "\"__Host-tunnel_access_x\"=SECRET", "x=1,tunnel_auth=SECRET" })
        {
            var response = await _s.RawGetAsync(host, "/public/x", $"Cookie: {cookie}");
            Assert.True(response.Status == 200, $"{cookie}: {response.Status}");
            Assert.DoesNotContain("tunnel_", response.Body, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Equal(400, (await _s.RawGetAsync(host, "/public/x", "X-Name: caf\u00e9")).Status);

        // Protected and allowed, bypassed, outside every application.
        foreach (var path in new[] { "/admin/x", "/public/open/x", "/public/x" })
        {
            var response = await _s.RawGetAsync(host, path, presented);
            Assert.True(response.Status == 200, $"{path}: {response.Status} {response.Body}");
            var headers = JsonDocument.Parse(response.Body[response.Body.IndexOf('{')..(response.Body.LastIndexOf('}') + 1)]).RootElement.GetProperty("headers");
            var names = headers.EnumerateObject().Select(p => p.Name).ToList();
            Assert.DoesNotContain(names, n => n.StartsWith("Tunnel-Access-Client", StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(names, n => n.Equals("Tunnel-Access-Token", StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(names, n => n.Contains('_'));
            Assert.DoesNotContain(names, n => n.Equals("X-Original-URL", StringComparison.OrdinalIgnoreCase) || n.Equals("X-Rewrite-URL", StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(token.Secret, response.Body);
            var cookie = headers.TryGetProperty("Cookie", out var c) ? c.GetString()! : "";
            Assert.Equal("keep=1; also=2", cookie);
            if (headers.TryGetProperty("Tunnel-Access-Jwt-Assertion", out var assertion))
            {
                Assert.NotEqual("forged", assertion.GetString());
                Assert.StartsWith("/admin", path); // only the protected path carries one, signed by the edge
            }
        }
    }
}
