using Tunnel.Connector.Ingress;
using Tunnel.Shared.Ingress;

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

    [Fact]
    public void Origin_request_settings_merge_over_the_file_defaults()
    {
        File.WriteAllText(_path, """
            originRequest:
              connectTimeout: 5s
              noTLSVerify: true
            ingress:
              - hostname: a.example.com
                service: https://localhost:8443
                originRequest:
                  noTLSVerify: false
                  originServerName: internal.example
              - service: http://localhost:8000
            """);
        var rules = ConnectorConfigFile.LoadRules(_path).Rules;
        Assert.False(rules[0].OriginRequest.NoTlsVerify);
        Assert.Equal("internal.example", rules[0].OriginRequest.OriginServerName);
        Assert.Equal(TimeSpan.FromSeconds(5), rules[0].OriginRequest.ConnectTimeoutValue);
        Assert.True(rules[1].OriginRequest.NoTlsVerify);
    }

    [Theory]
    [InlineData("connectTimeout: soon", "not a duration")]
    [InlineData("caPool: /nonexistent/ca.pem", "does not exist")]
    public void Bad_origin_request_settings_name_the_rule(string setting, string expected)
    {
        File.WriteAllText(_path, $"ingress:\n  - service: http://localhost:1\n    originRequest:\n      {setting}\n");
        var ex = Assert.Throws<IngressException>(() => ConnectorConfigFile.LoadRules(_path));
        Assert.Contains("ingress rule #1: originRequest:", ex.Message);
        Assert.Contains(expected, ex.Message);
    }

    [Theory]
    [InlineData("ingress:\n  - hostnme: app.example.com\n    service: http://localhost:1\n  - service: http_status:404\n", "line 2", "'hostnme' in an ingress rule")]
    [InlineData("ingress:\n  - service: http://localhost:1\n    originRequest:\n      noTlsVerify: true\n", "line 4", "'noTlsVerify' in originRequest")]
    [InlineData("ingres:\n  - service: http://localhost:1\n", "line 1", "'ingres' at the top level")]
    [InlineData("originRequest:\n  access: {required: true}\ningress:\n  - service: http://localhost:1\n", "line 2", "'access' in originRequest")]
    public void A_misspelt_key_is_refused_with_its_line_rather_than_dropped(string yaml, string line, string what)
    {
        // Dropped, `hostnme:` would turn the rule into a catch-all and `ingress validate` would say OK.
        File.WriteAllText(_path, yaml);
        var ex = Assert.Throws<IngressException>(() => ConnectorConfigFile.LoadRules(_path));
        Assert.Contains(line + ",", ex.Message);
        Assert.Contains("unknown key " + what, ex.Message);
    }

    [Fact]
    public void A_rule_that_is_not_a_mapping_is_refused_with_its_line()
    {
        File.WriteAllText(_path, "ingress:\n  - http://localhost:1\n");
        var ex = Assert.Throws<IngressException>(() => ConnectorConfigFile.LoadRules(_path));
        Assert.Contains("line 2", ex.Message);
    }

    public void Dispose() => File.Delete(_path);
}
