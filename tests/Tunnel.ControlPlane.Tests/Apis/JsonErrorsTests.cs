using System.Text.Json;
using Tunnel.Shared.Access;
using Tunnel.Shared.Serialization;

namespace Tunnel.ControlPlane.Tests.Apis;

public class JsonErrorsTests
{
    private sealed record Body(string? Name, int? SessionMinutes, List<AccessPolicy>? Policies);

    private static string Describe(string json)
    {
        var ex = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Body>(json, StrictJson.Options));
        return JsonErrors.Describe(ex);
    }

    [Theory]
    [InlineData("""{"name": 5}""", "$.name: expected a string")]
    [InlineData("""{"sessionMinutes": "long"}""", "$.sessionMinutes: expected a number")]
    [InlineData("""{"policies": {}}""", "$.policies: expected a list")]
    [InlineData("""{"policies": [5]}""", "$.policies[0]: expected an object")]
    [InlineData("""{"nmae": "x"}""", "unknown key 'nmae' at $:")]
    [InlineData("""{"policies": [{"name": "a", "action": "allow", "include": [], "requrie": []}]}""", "unknown key 'requrie' at $.policies[0]:")]
    [InlineData("""{"policies": [{"name": "a", "action": "allow", "include": [{"emial": "a@b"}]}]}""", "unknown key 'emial' at $.policies[0].include[0]:")]
    [InlineData("""{"name": "x",""", "$")]
    public void Says_where_and_what_was_expected(string json, string expected)
    {
        var described = Describe(json);
        Assert.True(described.StartsWith(expected, StringComparison.Ordinal), described);
    }
}
