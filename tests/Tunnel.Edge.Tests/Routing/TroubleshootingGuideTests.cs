using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Tunnel.Edge.Routing;

namespace Tunnel.Edge.Tests.Routing;

/// <summary>
/// Every code the edge can answer with has its section (a stable anchor) in docs/troubleshooting.md, which the error
/// pages link to; and the edge's sources name codes only through <see cref="ErrorCodes"/>, so a new code cannot
/// appear on a page without a section. The edge serves the guide itself (<see cref="TroubleshootingGuide"/>), and
/// the rendered page keeps those anchors.
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
    public void The_page_the_edge_serves_keeps_an_anchor_for_every_error_code()
    {
        var html = TroubleshootingGuide.RenderHtml();
        var missing = ErrorCodes.All.Where(code => !html.Contains($"<a id=\"{code}\"></a>", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, $"the rendered guide lost the anchors of: {string.Join(", ", missing)}");
        Assert.Contains("<h3><code>no_connector</code> (503)", html); // Markdown rendered, not served raw
        Assert.StartsWith("<!doctype html>", html);
    }

    [Fact]
    public void The_page_loads_nothing_from_elsewhere_and_links_to_no_document_it_does_not_serve()
    {
        var html = TroubleshootingGuide.RenderHtml();
        Assert.DoesNotMatch("<(script|link|img|iframe)\\b", html);
        Assert.DoesNotMatch("href=\"(?!#|https?://)", html); // security.md, architecture.md#… are not under /.tunnel/
        Assert.Contains("security.md", html); // their names stay, as text
    }

    [Theory]
    [InlineData("GET", true)]
    [InlineData("HEAD", false)]
    public async Task The_page_is_served_as_cacheable_html_that_may_not_run_anything(string method, bool hasBody)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        var body = new MemoryStream();
        context.Response.Body = body;

        await TroubleshootingGuide.WriteAsync(context);

        var headers = context.Response.Headers;
        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal("text/html; charset=utf-8", headers.ContentType.ToString());
        Assert.Equal("public, max-age=300", headers.CacheControl.ToString());
        Assert.Equal("nosniff", headers.XContentTypeOptions.ToString());
        Assert.Equal("default-src 'none'; style-src 'unsafe-inline'", headers.ContentSecurityPolicy.ToString());
        Assert.True(context.Response.ContentLength > 1000);
        Assert.Equal(hasBody ? context.Response.ContentLength : 0, body.Length);
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
