using System.Net;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Tunnels;

public class EdgeCertificateTests
{
    [Fact]
    public async Task The_edge_serves_configured_pem_certificates_chosen_by_sni()
    {
        var dir = Directory.CreateTempSubdirectory("tunnel-certs").FullName;
        var connectors = TestCertificates.WritePem(Path.Combine(dir, "connectors"), ["localhost"]); // the first is also the default, for the connector endpoint
        var apps = TestCertificates.WritePem(Path.Combine(dir, "apps"), ["*.apps.example.test"]);
        var api = TestCertificates.WritePem(Path.Combine(dir, "api"), ["api.example.test"]);
        await using var stack = await TunnelStack.StartAsync(Store.Sqlite, s =>
        {
            s.ConnectorCa = connectors.Cert;
            s.EdgeArgs.AddRange(
            [
                $"--Edge:Certificates:0:CertificatePath={connectors.Cert}", $"--Edge:Certificates:0:KeyPath={connectors.Key}",
                $"--Edge:Certificates:1:CertificatePath={apps.Cert}", $"--Edge:Certificates:1:KeyPath={apps.Key}",
                $"--Edge:Certificates:2:CertificatePath={api.Cert}", $"--Edge:Certificates:2:KeyPath={api.Key}",
            ]);
        });
        var (name, token) = await stack.CreateTunnelAsync($"certs-{Guid.NewGuid():N}"[..14]);
        await stack.RouteAsync(name, "web.apps.example.test");
        await stack.RouteAsync(name, "api.example.test");
        stack.StartConnector(token);

        // Each client trusts only one certificate, so a wrong SNI choice fails the handshake.
        using var appsClient = stack.PublicClient(apps.Cert);
        using var apiClient = stack.PublicClient(api.Cert);
        await Eventually.Until(() => appsClient.GetAsync(stack.PublicUrl("web.apps.example.test", "/small")),
            r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(20), "wildcard certificate served");
        Assert.Equal(HttpStatusCode.OK, (await apiClient.GetAsync(stack.PublicUrl("api.example.test", "/small"))).StatusCode);
        await Assert.ThrowsAsync<HttpRequestException>(() => apiClient.GetAsync(stack.PublicUrl("web.apps.example.test", "/small")));
        Assert.False(Directory.Exists(Path.GetDirectoryName(stack.EdgeCa)), "no development CA when certificates are configured");
    }

    [Fact]
    public async Task A_renewed_certificate_is_served_without_a_restart_and_a_broken_one_keeps_the_last_good()
    {
        var dir = Directory.CreateTempSubdirectory("tunnel-certs").FullName;
        var connectors = TestCertificates.WritePem(Path.Combine(dir, "connectors"), ["localhost"]);
        var live = TestCertificates.WritePem(Path.Combine(dir, "live", "api"), ["api.example.test"]);
        var first = TestCertificates.WritePem(Path.Combine(dir, "first"), ["api.example.test"]);
        File.Copy(live.Cert, first.Cert, overwrite: true);
        File.Copy(live.Key, first.Key, overwrite: true);
        await using var stack = await TunnelStack.StartAsync(Store.Sqlite, s =>
        {
            s.ConnectorCa = connectors.Cert;
            s.EdgeArgs.AddRange(
            [
                $"--Edge:Certificates:0:CertificatePath={connectors.Cert}", $"--Edge:Certificates:0:KeyPath={connectors.Key}",
                $"--Edge:Certificates:1:CertificatePath={live.Cert}", $"--Edge:Certificates:1:KeyPath={live.Key}",
            ]);
        });
        var (name, token) = await stack.CreateTunnelAsync($"renew-{Guid.NewGuid():N}"[..14]);
        await stack.RouteAsync(name, "api.example.test");
        stack.StartConnector(token);
        var url = stack.PublicUrl("api.example.test", "/small");

        // Each probe is a new client, so a new TLS handshake: it trusts one certificate only.
        async Task<HttpStatusCode?> Probe(string caPath)
        {
            using var client = stack.PublicClient(caPath);
            try
            {
                return (await client.GetAsync(url)).StatusCode;
            }
            catch (HttpRequestException)
            {
                return null;
            }
        }

        await Eventually.Until(() => Probe(first.Cert), s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(20), "first certificate served");

        // Renewal as an ACME client does it: new files written over the old ones.
        var renewed = TestCertificates.WritePem(Path.Combine(dir, "renewed"), ["api.example.test"]);
        File.Copy(renewed.Cert, live.Cert, overwrite: true);
        File.Copy(renewed.Key, live.Key, overwrite: true);
        await Eventually.Until(() => Probe(renewed.Cert), s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(10), "renewed certificate served");
        Assert.Null(await Probe(first.Cert));

        // A key that does not match (half a renewal, a wrong file): the renewed pair stays in service.
        var other = TestCertificates.WritePem(Path.Combine(dir, "other"), ["api.example.test"]);
        File.Copy(other.Key, live.Key, overwrite: true);
        await Eventually.Until(() => Task.FromResult(stack.Edge!.Output), o => o.Contains("do not load"), TimeSpan.FromSeconds(10), "the broken pair reported");
        Assert.Equal(HttpStatusCode.OK, await Probe(renewed.Cert));
        Assert.False(stack.Edge!.HasExited);
    }
}
