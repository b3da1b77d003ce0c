using System.Net;
using CsCheck;
using Tunnel.Shared.Access;

namespace Tunnel.Edge.Tests.Access;

/// <summary>The policy tester's explanation: the gate's own evaluation, written down policy by policy.</summary>
public class AccessExplanationTests
{
    private static readonly IPAddress Office = IPAddress.Parse("10.1.2.3");

    [Fact]
    public void Each_policy_says_what_settled_it_and_the_deciding_one_is_marked()
    {
        var app = new AccessApplication(Guid.NewGuid(), "team", ["app.example.com"], 60, [
            new AccessPolicy("health", AccessActions.Bypass, [new(Ip: "198.51.100.0/24")]),
            new AccessPolicy("ci", AccessActions.ServiceAuth, [new(AnyServiceToken: true)]),
            new AccessPolicy("no contractors", AccessActions.Deny, [new(Group: "contractors")]),
            new AccessPolicy("staff", AccessActions.Allow, [new(EmailDomain: "example.com")], Exclude: [new(Email: "eve@example.com")], Require: [new(Ip: "10.0.0.0/8")]),
            new AccessPolicy("partners", AccessActions.Allow, [new(Email: "pat@partner.org")]),
        ]);

        var alice = AccessPolicyEvaluator.Explain(app, new AccessIdentity("alice@example.com", ["staff"], null, Office));
        Assert.Equal((AccessDecision.Allow, "staff"), (alice.Decision, alice.DecidingPolicy));
        Assert.Equal([1, 2, 3, 4, 5], alice.Steps.Select(s => s.Index));
        Assert.Equal(["NotMatched", "NotReached", "NotMatched", "Matched", "NotReached"], alice.Steps.Select(s => s.Outcome.ToString()));
        Assert.Equal("applies to service tokens only", alice.Steps[1].Reason);
        Assert.Equal("included by emailDomain example.com, every require met", alice.Steps[3].Reason);
        Assert.Equal("not evaluated: policy 'staff' decided first", alice.Steps[4].Reason);
        Assert.Equal([false, false, false, true, false], alice.Steps.Select(s => s.Decided));

        var eve = AccessPolicyEvaluator.Explain(app, new AccessIdentity("eve@example.com", [], null, Office));
        Assert.Equal((AccessDecision.Deny, null), (eve.Decision, eve.DecidingPolicy));
        Assert.Equal("excluded by email eve@example.com", eve.Steps[3].Reason);
        Assert.Equal("no include condition matched", eve.Steps[4].Reason);

        var remote = AccessPolicyEvaluator.Explain(app, new AccessIdentity("bob@example.com", [], null, IPAddress.Parse("192.0.2.1")));
        Assert.Equal("require ip 10.0.0.0/8 not met", remote.Steps[3].Reason);

        var contractor = AccessPolicyEvaluator.Explain(app, new AccessIdentity("carl@example.com", ["contractors"], null, Office));
        Assert.Equal((AccessDecision.Deny, "no contractors"), (contractor.Decision, contractor.DecidingPolicy));
        Assert.Equal("included by group contractors", contractor.Steps[2].Reason);

        var nobody = AccessPolicyEvaluator.Explain(app, AccessIdentity.Anonymous(Office));
        Assert.Equal(AccessDecision.LoginRequired, nobody.Decision);
        Assert.Equal("not evaluated: nobody is signed in", nobody.Steps[3].Reason);

        var monitor = AccessPolicyEvaluator.Explain(app, AccessIdentity.Anonymous(IPAddress.Parse("198.51.100.9")));
        Assert.Equal((AccessDecision.Bypass, "health"), (monitor.Decision, monitor.DecidingPolicy));
    }

    private static readonly Gen<AccessSelector> Selector = Gen.OneOf(
        Gen.OneOfConst("a@x.com", "b@y.org").Select(e => new AccessSelector(Email: e)),
        Gen.Const(new AccessSelector(EmailDomain: "x.com")),
        Gen.OneOfConst("g1", "g2").Select(g => new AccessSelector(Group: g)),
        Gen.Const(new AccessSelector(Everyone: true)),
        Gen.Const(new AccessSelector(ServiceToken: "t1")),
        Gen.Const(new AccessSelector(AnyServiceToken: true)),
        Gen.OneOfConst("10.0.0.0/8", "192.0.2.7").Select(ip => new AccessSelector(Ip: ip)));

    private static readonly Gen<AccessPolicy> Policy = Gen.Select(
        Gen.OneOfConst(AccessActions.Allow, AccessActions.Deny, AccessActions.Bypass, AccessActions.ServiceAuth),
        Selector.Array[1, 2], Selector.Array[0, 2], Selector.Array[0, 2], Gen.Int[0, 999],
        (action, include, exclude, require, n) => new AccessPolicy($"p{n}", action, include, exclude, require));

    private static readonly Gen<AccessIdentity> Identity = Gen.Select(
        Gen.OneOfConst<string?>(null, "a@x.com", "b@y.org", "c@x.com"), Gen.OneOfConst("g1", "g2").Array[0, 2],
        Gen.OneOfConst<string?>(null, "t1", "t2"), Gen.OneOfConst<string?>(null, "10.1.1.1", "192.0.2.7"),
        (email, groups, token, ip) => new AccessIdentity(email, email is null ? [] : groups, token, ip is null ? null : IPAddress.Parse(ip)));

    [Fact]
    public void The_explanation_decides_as_the_definition_and_its_steps_agree_with_its_decision()
    {
        Gen.Select(Policy.Array[1, 5], Identity).Sample((policies, who) =>
        {
            var app = new AccessApplication(Guid.NewGuid(), "app", ["app.example.com"], 60, policies);
            var explained = AccessPolicyEvaluator.Explain(app, who);
            var (decision, policy) = Definition(app, who);
            Assert.Equal(decision, explained.Decision);
            Assert.Equal(decision, AccessPolicyEvaluator.Evaluate(app, who).Decision);
            Assert.Equal(policy?.Name, explained.DecidingPolicy);
            Assert.Equal(policies.Length, explained.Steps.Count);
            var decided = explained.Steps.Where(s => s.Decided).ToList();
            Assert.Equal(policy is null ? 0 : 1, decided.Count);
            Assert.All(decided, s => Assert.Equal(AccessPolicyOutcome.Matched, s.Outcome));
            Assert.All(explained.Steps.Where(s => s.Outcome == AccessPolicyOutcome.Matched && !s.Decided),
                s => Assert.True(s.Action == AccessActions.ServiceAuth || s.Index > decided.Single().Index, "a matching policy evaluated after the decision"));
        }, iter: 3000);
    }

    /// <summary>Cloudflare Access's order, written as plainly as possible: the oracle the evaluator is held to.</summary>
    private static (AccessDecision, AccessPolicy?) Definition(AccessApplication app, AccessIdentity who)
    {
        bool Sel(AccessSelector s, bool bypass) =>
            s.Everyone == true ? bypass || who.IsAuthenticated
            : s.Ip is { } ip ? who.ClientIp is { } c && IpRange.Contains(ip, c)
            : s.AnyServiceToken == true ? who.IsServiceToken
            : s.ServiceToken is { } t ? who.ServiceTokenClientId == t
            : who.Email is { } e && (s.Email is { } want ? string.Equals(e, want, StringComparison.OrdinalIgnoreCase)
                : s.EmailDomain is { } d ? e.EndsWith("@" + d, StringComparison.OrdinalIgnoreCase)
                : s.Group is { } g && who.Groups.Contains(g));
        bool Pol(AccessPolicy p, bool bypass) =>
            p.Include.Any(s => Sel(s, bypass)) && !(p.Exclude ?? []).Any(s => Sel(s, bypass)) && (p.Require ?? []).All(s => Sel(s, bypass));
        AccessPolicy? First(string action, bool bypass = false) => app.Policies.FirstOrDefault(p => p.Action == action && Pol(p, bypass));

        if (First(AccessActions.Bypass, bypass: true) is { } b) return (AccessDecision.Bypass, b);
        if (who.IsServiceToken && First(AccessActions.ServiceAuth) is { } sa) return (AccessDecision.Allow, sa);
        if (!who.IsAuthenticated) return (AccessDecision.LoginRequired, null);
        if (First(AccessActions.Deny) is { } d) return (AccessDecision.Deny, d);
        return First(AccessActions.Allow) is { } a ? (AccessDecision.Allow, a) : (AccessDecision.Deny, null);
    }
}
