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
}
