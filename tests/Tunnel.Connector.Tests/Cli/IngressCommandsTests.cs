using Tunnel.Connector.Cli;

namespace Tunnel.Connector.Tests.Cli;

/// <summary>The `tunnel ingress` commands through the real command line, output captured.</summary>
[Collection("Console")]
public class IngressCommandsTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"tunnel-ingress-{Guid.NewGuid():N}.yml");

    private static Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => CliRunner.RunAsync(args);

    [Fact]
    public async Task Rule_prints_the_first_matching_rule()
    {
        File.WriteAllText(_path, "ingress:\n  - hostname: app.example.com\n    path: ^/api/\n    service: http://localhost:8000\n  - hostname: app.example.com\n    service: http://localhost:3000\n  - service: http_status:404\n");
        var api = await RunAsync("ingress", "rule", "https://app.example.com/api/users", "--config", _path);
        Assert.Equal(0, api.Code);
        Assert.Contains("Matched rule #1", api.Out);
        Assert.Contains("service: http://localhost:8000", api.Out);

        var web = await RunAsync("ingress", "rule", "app.example.com/index.html", "--config", _path);
        Assert.Contains("Matched rule #2", web.Out);
        var other = await RunAsync("ingress", "rule", "https://other.example.com/", "--config", _path);
        Assert.Contains("Matched rule #3", other.Out);
    }

    [Fact]
    public async Task Validate_says_ok_or_names_the_broken_rule()
    {
        File.WriteAllText(_path, "ingress:\n  - service: http://localhost:8000\n");
        var ok = await RunAsync("ingress", "validate", "--config", _path);
        Assert.Equal(0, ok.Code);
        Assert.Contains("OK", ok.Out);

        File.WriteAllText(_path, "ingress:\n  - hostname: a.example.com\n    service: ftp://x\n  - service: http_status:404\n");
        var bad = await RunAsync("ingress", "validate", "--config", _path);
        Assert.Equal(2, bad.Code);
        Assert.Contains("error: ingress rule #1", bad.Err);
    }

    public void Dispose() => File.Delete(_path);
}
