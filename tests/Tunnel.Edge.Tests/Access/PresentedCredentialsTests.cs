using CsCheck;
using Microsoft.AspNetCore.Http;
using Tunnel.Edge.Access;

namespace Tunnel.Edge.Tests.Access;

/// <summary>Credentials the edge consumes are taken off a request whatever their spelling; everything else stays, in order.</summary>
public sealed class PresentedCredentialsTests
{
    private static readonly Gen<string> Ours = Gen.OneOfConst(
        "__Host-tunnel_access_0123456789abcdef0123456789abcdef", "__host-TUNNEL_ACCESS_x", "tunnel_access", "Tunnel_Access", "tunnel_auth",
        "tunnel_authC1", "tunnel_auth_antiforgery", "__Host-tunnel_login_00", "my_tunnel_access", " __Host-tunnel_access_x ", "\"tunnel_access\"",
        "a=1, __Host-tunnel_access_y");

    private static readonly Gen<string> Theirs = Gen.OneOfConst("session", "csrftoken", "theme", "tunnel", "access", "_ga", "tunnelaccess");

    [Fact]
    public void Every_access_cookie_and_header_is_taken_and_the_rest_kept_in_order()
    {
        Gen.Select(Gen.Select(Gen.Bool, Ours, Theirs, Gen.Int[0, 999]).Array[0, 8], Gen.Bool).Sample((cookies, withHeaders) =>
        {
            var context = new DefaultHttpContext();
            var pairs = cookies.Select(c => (Name: c.Item1 ? c.Item2 : c.Item3, Value: $"v{c.Item4}", IsOurs: c.Item1)).ToList();
            if (pairs.Count > 0)
            {
                context.Request.Headers.Cookie = string.Join("; ", pairs.Select(p => $"{p.Name}={p.Value}"));
            }

            if (withHeaders)
            {
                context.Request.Headers[AccessHeaders.ClientId] = "id";
                context.Request.Headers[AccessHeaders.ClientSecret] = "secret";
                context.Request.Headers[AccessHeaders.SessionToken] = "token";
                context.Request.Headers[AccessHeaders.Assertion] = "forged";
            }

            var taken = PresentedCredentials.TakeFrom(context.Request);

            var kept = pairs.Where(p => !p.IsOurs).Select(p => $"{p.Name}={p.Value}").ToList();
            Assert.Equal(kept.Count == 0 ? "" : string.Join("; ", kept), context.Request.Headers.Cookie.ToString());
            Assert.False(context.Request.Headers.ContainsKey(AccessHeaders.ClientId));
            Assert.False(context.Request.Headers.ContainsKey(AccessHeaders.ClientSecret));
            Assert.False(context.Request.Headers.ContainsKey(AccessHeaders.SessionToken));
            Assert.False(context.Request.Headers.ContainsKey(AccessHeaders.Assertion));
            Assert.Equal(withHeaders ? "secret" : null, taken.ClientSecret);
        }, iter: 2_000);
    }
}
