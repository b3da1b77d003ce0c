using System.Net;
using Tunnel.Edge.Access;
using Tunnel.Shared.Access;

namespace Tunnel.Edge.Tests.Access;

public class AccessPolicyEvaluatorTests
{
    private static readonly IPAddress Office = IPAddress.Parse("10.1.2.3");
    private static readonly IPAddress Home = IPAddress.Parse("192.0.2.7");

    private static AccessApplication App(params AccessPolicy[] policies) => new(Guid.NewGuid(), "app", ["app.example.com"], 60, policies);

    private static AccessIdentity User(string email, IPAddress? ip = null, params string[] groups) => new(email, groups, null, ip ?? Home);

    [Fact]
    public void Include_is_any_of_require_is_all_of_and_exclude_takes_the_policy_out()
    {
        var app = App(new AccessPolicy("eng in office", AccessActions.Allow,
            Include: [new(EmailDomain: "example.com"), new(Email: "guest@partner.org")],
            Exclude: [new(Group: "contractors")],
            Require: [new(Ip: "10.0.0.0/8")]));

        Assert.Equal(AccessDecision.Allow, AccessPolicyEvaluator.Evaluate(app, User("a@example.com", Office)).Decision);
        Assert.Equal(AccessDecision.Allow, AccessPolicyEvaluator.Evaluate(app, User("guest@partner.org", Office)).Decision);
        Assert.Equal(AccessDecision.Deny, AccessPolicyEvaluator.Evaluate(app, User("a@example.com", Home)).Decision);
        Assert.Equal(AccessDecision.Deny, AccessPolicyEvaluator.Evaluate(app, User("c@example.com", Office, "contractors")).Decision);
        Assert.Equal(AccessDecision.Deny, AccessPolicyEvaluator.Evaluate(app, User("x@evil.example.com.attacker.org", Office)).Decision);
    }

    [Fact]
    public void Deny_wins_over_allow_whatever_the_order()
    {
        var app = App(
            new AccessPolicy("everyone", AccessActions.Allow, [new(Everyone: true)]),
            new AccessPolicy("not bob", AccessActions.Deny, [new(Email: "bob@example.com")]));
        Assert.Equal(AccessDecision.Deny, AccessPolicyEvaluator.Evaluate(app, User("BOB@example.com")).Decision);
        Assert.Equal(AccessDecision.Allow, AccessPolicyEvaluator.Evaluate(app, User("amy@example.com")).Decision);
    }

    [Fact]
    public void Nobody_is_asked_to_log_in_bypass_needs_no_one_and_service_tokens_need_a_service_auth_policy()
    {
        var app = App(
            new AccessPolicy("office is public", AccessActions.Bypass, [new(Ip: "10.0.0.0/8")]),
            new AccessPolicy("ci", AccessActions.ServiceAuth, [new(ServiceToken: "ci.access")]),
            new AccessPolicy("staff", AccessActions.Allow, [new(EmailDomain: "example.com")]));

        Assert.Equal(AccessDecision.Bypass, AccessPolicyEvaluator.Evaluate(app, AccessIdentity.Anonymous(Office)).Decision);
        Assert.Equal(AccessDecision.LoginRequired, AccessPolicyEvaluator.Evaluate(app, AccessIdentity.Anonymous(Home)).Decision);
        Assert.Equal(AccessDecision.Allow, AccessPolicyEvaluator.Evaluate(app, new AccessIdentity(null, [], "ci.access", Home)).Decision);
        Assert.Equal(AccessDecision.Deny, AccessPolicyEvaluator.Evaluate(app, new AccessIdentity(null, [], "other.access", Home)).Decision);
        Assert.Equal(AccessDecision.Allow, AccessPolicyEvaluator.Evaluate(app, User("a@example.com", IPAddress.Parse("::ffff:192.0.2.7"))).Decision);
    }

    [Fact]
    public void The_most_specific_application_covers_a_request_and_tricks_never_select_a_bypass_path()
    {
        var open = new AccessApplication(Guid.NewGuid(), "open", ["app.example.com/public"], 60, [new AccessPolicy("all", AccessActions.Bypass, [new(Everyone: true)])]);
        var admin = new AccessApplication(Guid.NewGuid(), "admin", ["app.example.com/admin"], 60, [new AccessPolicy("a", AccessActions.Allow, [new(Group: "admins")])]);
        var site = new AccessApplication(Guid.NewGuid(), "site", ["*.example.com"], 60, [new AccessPolicy("s", AccessActions.Allow, [new(EmailDomain: "example.com")])]);
        var matcher = AccessApplicationMatcher.Build([site, open, admin]);
        AccessApplication? Find(string host, string path) => matcher.Find(host, path, Tunnel.Shared.Ingress.PathForm.Key(path));

        Assert.Same(open, Find("app.example.com", "/public/a"));
        Assert.Same(site, Find("app.example.com", "/PUBLIC/a"));
        Assert.Same(site, Find("app.example.com", "/publicity"));
        Assert.Same(admin, Find("app.example.com", "/ADMIN/users"));
        Assert.Same(admin, Find("app.example.com", "/admin;x/users"));
        Assert.Same(site, Find("other.example.com", "/public/a"));
        Assert.Null(Find("example.org", "/"));
    }

    [Fact]
    public void Invalid_applications_are_refused_with_the_reason()
    {
        AccessPolicy ok = new("p", AccessActions.Allow, [new(Everyone: true)]);
        Assert.Contains("domain", AccessApplicationRules.Error("a", [], 60, [ok]));
        Assert.Contains("wildcard", AccessApplicationRules.Error("a", ["a.*.example.com"], 60, [ok]));
        Assert.Contains("'..'", AccessApplicationRules.Error("a", ["a.example.com/x/../y"], 60, [ok]));
        Assert.Contains("action", AccessApplicationRules.Error("a", ["a.example.com"], 60, [ok with { Action = "maybe" }]));
        Assert.Contains("exactly one", AccessApplicationRules.Error("a", ["a.example.com"], 60, [ok with { Include = [new(Email: "a@b.c", Group: "g")] }]));
        Assert.Contains("CIDR", AccessApplicationRules.Error("a", ["a.example.com"], 60, [ok with { Include = [new(Ip: "10.0.0.0/99")] }]));
        Assert.Contains("at least one policy", AccessApplicationRules.Error("a", ["a.example.com"], 60, []));
        Assert.Null(AccessApplicationRules.Error("a", ["a.example.com", "*.b.example.com", "c.example.com/admin"], 60, [ok]));
    }
}
