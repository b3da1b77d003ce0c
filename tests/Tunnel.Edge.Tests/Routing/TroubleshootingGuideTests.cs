using System.Text.RegularExpressions;
using Tunnel.Edge.Routing;

namespace Tunnel.Edge.Tests.Routing;

/// <summary>
/// Every code the edge can answer with has its section (a stable anchor) in docs/troubleshooting.md, which the error
/// pages link to; and the edge's sources name codes only through <see cref="ErrorCodes"/>, so a new code cannot
/// appear on a page without a section.
/// </summary>
public sealed partial class TroubleshootingGuideTests
{
    private static readonly string Root = FindRoot();

    [Fact]
    public void Every_error_code_has_a_section_with_its_anchor()
    {
        var guide = File.ReadAllText(Path.Combine(Root, "docs", "troubleshooting.md"));
        var missing = ErrorCodes.All
            .Where(code => !Regex.IsMatch(guide, $"<a id=\"{code}\"></a>\\s*\\n#+ `{code}`"))
            .ToList();
        Assert.True(missing.Count == 0, $"docs/troubleshooting.md has no section (<a id=\"CODE\"></a> then a `CODE` heading) for: {string.Join(", ", missing)}");
        Assert.True(ErrorCodes.All.Count >= 20, "the code list was not read");
    }

    [Fact]
    public void The_edge_names_its_error_codes_only_through_ErrorCodes()
    {
        var edge = Path.Combine(Root, "Edge");
        var offenders = Directory.EnumerateFiles(edge, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && Path.GetFileName(f) != "ErrorCodes.cs")
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetRelativePath(Root, f), Line: i + 1, Text: line)))
            .Where(l => CodeLiteral().Matches(l.Text).Any(m => ErrorCodes.All.Contains(m.Groups[1].Value))
                || PageWithLiteralCode().IsMatch(l.Text))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        Assert.True(offenders.Count == 0, "use an ErrorCodes constant (and add its section to docs/troubleshooting.md):\n" + string.Join('\n', offenders));
    }

    [GeneratedRegex("\"([a-z]+(?:_[a-z]+)+)\"")]
    private static partial Regex CodeLiteral();

    // ErrorPages.WriteAsync(context, STATUS, "code", …) or OriginFailedAsync(…): a code typed in place.
    [GeneratedRegex("ErrorPages\\.(?:WriteAsync|OriginFailedAsync)\\([^,]+,[^,]+,\\s*\"")]
    private static partial Regex PageWithLiteralCode();

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
