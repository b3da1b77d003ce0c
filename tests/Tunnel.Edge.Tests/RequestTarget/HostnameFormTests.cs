using System.Globalization;
using CsCheck;
using Tunnel.Edge.Access;
using Tunnel.Shared.Access;
using Tunnel.Shared.Ingress;

namespace Tunnel.Edge.Tests.RequestTarget;

/// <summary>One normal form for hostnames: an application written in Unicode or punycode covers requests in either.</summary>
public sealed class HostnameFormTests
{
    private static readonly IdnMapping Idn = new();

    private static readonly Gen<string> Label = Gen.OneOfConst("bücher", "BÜCHER", "app", "APP", "straße", "münchen", "xn--bcher-kva", "XN--BCHER-KVA", "例え", "a-b", "x1");

    private static readonly Gen<string> Hostname = Label.Array[1, 3].Select(labels => string.Join('.', labels) + ".example");

    [Fact]
    public void Every_spelling_of_a_name_has_one_normal_form()
    {
        Gen.Select(Hostname, Gen.Bool, Gen.Bool).Sample((host, asPunycode, trailingDot) =>
        {
            var normal = HostnameForm.Normalize(host);
            Assert.NotNull(normal);
            var spelled = (asPunycode ? Idn.GetAscii(host.ToLowerInvariant()).ToUpperInvariant() : host) + (trailingDot ? "." : "");
            Assert.Equal(normal, HostnameForm.Normalize(spelled));
            Assert.Equal(normal, HostnameForm.Normalize(normal));
            Assert.All(normal!, c => Assert.True(c < 128 && !char.IsUpper(c)));
        }, iter: 2_000);
    }

    [Fact]
    public void An_application_covers_its_name_whichever_way_either_side_is_written()
    {
        Gen.Select(Hostname, Gen.Bool, Gen.Bool).Sample((host, appInPunycode, requestInPunycode) =>
        {
            var domain = appInPunycode ? Idn.GetAscii(host.ToLowerInvariant()) : host;
            var app = new AccessApplication(Guid.NewGuid(), "a", [domain + "/admin"], 60, [new AccessPolicy("p", AccessActions.Allow, [new AccessSelector(Everyone: true)])]);
            var matcher = AccessApplicationMatcher.Build([app]);
            var requestHost = HostnameForm.Normalize(requestInPunycode ? Idn.GetAscii(host.ToLowerInvariant()) : host)!;
            Assert.Same(app, matcher.Find(requestHost, "/admin/x", PathForm.Key("/admin/x")));
            Assert.True(AccessApplicationMatcher.CoversHost(app, requestHost));
        }, iter: 1_000);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a b.example")]
    [InlineData("a/b.example")]
    [InlineData("xn--.example")]
    [InlineData("[::1]")]
    [InlineData("a*.example")]
    public void Non_names_have_no_normal_form(string host) => Assert.Null(HostnameForm.Normalize(host));
}
