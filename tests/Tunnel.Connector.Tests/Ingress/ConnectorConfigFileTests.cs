using Tunnel.Connector.Ingress;

namespace Tunnel.Connector.Tests.Ingress;

public class ConnectorConfigFileTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"tunnel-config-{Guid.NewGuid():N}.yml");

    [Fact]
    public void Reads_cloudflared_style_ingress()
    {
        File.WriteAllText(_path, """
            tunnel: 6ff42ae2-765d-4adf-8112-31c55c1551ef
            credentials-file: /root/.cloudflared/x.json
            ingress:
              - hostname: app.example.com
                path: ^/api
                service: http://localhost:8000
              - service: http_status:404
            """);
        var rules = ConnectorConfigFile.LoadRules(_path);
        Assert.Equal(2, rules.Rules.Count);
        Assert.Equal("^/api", rules.Rules[0].Path);
        Assert.Equal("http://localhost:8000", rules.Rules[0].Service.Text);
    }

    [Fact]
    public void Broken_yaml_says_where()
    {
        File.WriteAllText(_path, "ingress:\n  - service: [unclosed\n");
        var ex = Assert.Throws<IngressException>(() => ConnectorConfigFile.LoadRules(_path));
        Assert.Contains("not valid YAML at line", ex.Message);
    }

    [Fact]
    public void Missing_file_is_named()
    {
        var ex = Assert.Throws<IngressException>(() => ConnectorConfigFile.LoadRules(_path));
        Assert.Contains(_path, ex.Message);
    }

    [Fact]
    public void No_rules_is_an_error()
    {
        File.WriteAllText(_path, "tunnel: x\n");
        var ex = Assert.Throws<IngressException>(() => ConnectorConfigFile.LoadRules(_path));
        Assert.Contains("no ingress rules", ex.Message);
    }

    public void Dispose() => File.Delete(_path);
}
