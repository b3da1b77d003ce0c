using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Tunnel.ControlPlane.Tunnels;
using Tunnel.Shared.Security;

namespace Tunnel.ControlPlane.Tests;

public class TokenIssuerTests
{
    private static TokenIssuer Issuer(string signingKey)
    {
        var options = Options.Create(new ControlPlaneOptions { TokenSigningKey = signingKey, AdminApiKey = "a", EdgeKey = "e", EdgeUrl = "https://edge:7844" });
        return new TokenIssuer(new ControlPlaneKeys(options, NullLogger<ControlPlaneKeys>.Instance), options);
    }

    [Fact]
    public void A_token_carries_a_secret_that_matches_the_stored_hash_only()
    {
        var issuer = Issuer("key-1");
        var id = Guid.NewGuid();
        Assert.True(TunnelToken.TryDecode(issuer.TokenFor(id, 0), out var token, out _));
        Assert.Equal(id, token!.TunnelId);
        Assert.Equal("https://edge:7844", token.EdgeUrl);
        Assert.True(SecretHash.Matches(token.Secret, issuer.SecretHashFor(id, 0)));
        Assert.False(SecretHash.Matches(token.Secret, issuer.SecretHashFor(id, 1)));
        Assert.False(SecretHash.Matches(token.Secret, issuer.SecretHashFor(Guid.NewGuid(), 0)));
        Assert.False(SecretHash.Matches(token.Secret, Issuer("key-2").SecretHashFor(id, 0)));
    }

    [Fact]
    public void The_same_tunnel_and_generation_give_the_same_token()
    {
        var id = Guid.NewGuid();
        Assert.Equal(Issuer("k").TokenFor(id, 3), Issuer("k").TokenFor(id, 3));
    }
}
