using System.Text.Json;
using Microsoft.Playwright;

namespace Tunnel.EndToEnd.Tests.Infrastructure;

/// <summary>
/// axe-core (npm, tests/accessibility) run inside a page: the violations of serious or critical impact, each as
/// "rule: help @ selectors", so a failing assertion says what to fix and where.
/// </summary>
public static class Axe
{
    private static readonly Lazy<Task<string>> Script = new(async () =>
    {
        var dir = Path.Combine(Binaries.RepoRoot, "tests", "accessibility");
        await DevOidcProvider.EnsureInstalledAsync(dir);
        return await File.ReadAllTextAsync(Path.Combine(dir, "node_modules", "axe-core", "axe.min.js"));
    });

    public static async Task<IReadOnlyList<string>> SeriousViolationsAsync(IPage page)
    {
        await page.AddScriptTagAsync(new() { Content = await Script.Value });
        var found = await page.EvaluateAsync<JsonElement>("""
            async () => (await axe.run(document, { resultTypes: ['violations'] })).violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => `${v.id}: ${v.help} @ ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)
            """);
        return found.EnumerateArray().Select(v => v.GetString()!).ToList();
    }
}
