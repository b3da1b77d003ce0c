using System.Text.RegularExpressions;
using Tunnel.Shared.Access;

namespace Tunnel.Edge.Tests.Access;

/// <summary>The README's Access application is one the control plane accepts, and shows every shape a policy can take.</summary>
public sealed partial class ReadmeAccessExampleTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(FindRoot(), "README.md"));

    [Fact]
    public void The_readme_application_is_valid_and_uses_every_action_condition_and_list()
    {
        var json = JsonBlocks().Matches(Readme).Select(m => m.Groups[1].Value).Single(b => b.Contains("\"policies\"", StringComparison.Ordinal));
        var app = AccessJson.Deserialize<AccessApplication>(json)!;

        Assert.Null(AccessApplicationRules.Error(app.Name, app.Domains, app.SessionMinutes, app.Policies));
        Assert.Equal(
            new[] { AccessActions.Allow, AccessActions.Bypass, AccessActions.Deny, AccessActions.ServiceAuth },
            app.Policies.Select(p => p.Action).Distinct().Order());
        var selectors = app.Policies.SelectMany(p => p.Include.Concat(p.Require ?? []).Concat(p.Exclude ?? [])).ToList();
        Assert.Contains(selectors, s => s.Email is not null);
        Assert.Contains(selectors, s => s.EmailDomain is not null);
        Assert.Contains(selectors, s => s.Group is not null);
        Assert.Contains(selectors, s => s.Everyone is true);
        Assert.Contains(selectors, s => s.ServiceToken is not null);
        Assert.Contains(selectors, s => s.AnyServiceToken is true);
        Assert.Contains(selectors, s => s.Ip is not null);
        Assert.Contains(app.Policies, p => p.Require is { Count: > 0 });
        Assert.Contains(app.Policies, p => p.Exclude is { Count: > 0 });
    }

    [Fact]
    public void Every_identity_provider_command_in_the_readme_asks_for_groups()
    {
        var commands = IdpSet().Matches(Readme).Select(m => m.Value).ToList();
        Assert.NotEmpty(commands);
        Assert.All(commands, c => Assert.Matches("--scopes \"[^\"]*\\bgroups\\b", c));
    }

    [GeneratedRegex("```json\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex JsonBlocks();

    // The command with its continuation lines (a trailing backslash).
    [GeneratedRegex("tunnel access idp set(?:[^\\n]*\\\\\\n)*[^\\n]*")]
    private static partial Regex IdpSet();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Tunnel.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Tunnel.sln not found above " + AppContext.BaseDirectory);
    }
}
