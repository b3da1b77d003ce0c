using Tunnel.Shared.Ingress;

namespace Tunnel.Edge.Tests;

public class IngressMatchingTests
{
    [Theory]
    [InlineData("", "any.example.com", true)]
    [InlineData("app.example.com", "APP.example.com", true)]
    [InlineData("app.example.com", "api.example.com", false)]
    [InlineData("*.example.com", "a.example.com", true)]
    [InlineData("*.example.com", "a.b.example.com", true)]
    [InlineData("*.example.com", "example.com", false)]
    [InlineData("*.example.com", "badexample.com", false)]
    public void Hosts(string rule, string host, bool matches) => Assert.Equal(matches, IngressMatching.HostMatches(rule, host));

    [Theory]
    [InlineData("", "/x", true)]
    [InlineData("^/api/", "/api/users", true)]
    [InlineData("^/api/", "/web/api/", false)]
    [InlineData("\\.(jpg|png)$", "/img/a.png", true)]
    public void Paths(string rule, string path, bool matches) => Assert.Equal(matches, IngressMatching.PathMatches(rule, path));
}
