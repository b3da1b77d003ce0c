using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace Tunnel.Edge.Routing;

/// <summary>
/// docs/troubleshooting.md (embedded in the assembly), rendered once to a self-contained page the edge serves at
/// <see cref="Path"/> on every public hostname: the default target of the error pages' "What this means" links, so a
/// self-hosted edge needs no site of its own for them.
/// </summary>
public static class TroubleshootingGuide
{
    public const string Path = "/.tunnel/troubleshooting";
    private const string ResourceName = "Tunnel.Edge.docs.troubleshooting.md";

    // No external assets at all: the CSP lets the page load nothing but its own inline style.
    private const string ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'";
    private const string Style =
        "body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#222}"
        + "h2{margin-top:2.5rem;border-bottom:1px solid #ddd}h3{margin-top:2rem}"
        + "code{font-family:ui-monospace,monospace;background:#f4f4f4;padding:0 .2em;border-radius:3px}"
        + "pre{background:#f4f4f4;padding:.75rem;overflow-x:auto}pre code{padding:0}"
        + "p:has(>a:target)+h3{background:#fff3c4}"
        + "table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.25rem .5rem}";

    private static readonly Lazy<byte[]> Page = new(() => System.Text.Encoding.UTF8.GetBytes(RenderHtml()));

    /// <summary>The whole page. The guide's own raw HTML (the <c>&lt;a id="code"&gt;</c> anchors) passes through: it is ours, compiled in.</summary>
    public static string RenderHtml()
    {
        using var stream = typeof(TroubleshootingGuide).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{ResourceName} is not embedded in {typeof(TroubleshootingGuide).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        var pipeline = new MarkdownPipelineBuilder().UsePipeTables().Build();
        var document = Markdown.Parse(reader.ReadToEnd(), pipeline);
        UnlinkSiblingDocuments(document);
        return $"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Tunnel · Troubleshooting</title><style>{Style}</style></head>
            <body>
            {document.ToHtml(pipeline)}</body></html>
            """;
    }

    /// <summary>Answers GET and HEAD with the page; cacheable, since it changes only with the edge's version.</summary>
    public static Task WriteAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.CacheControl = "public, max-age=300";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        var page = Page.Value;
        response.ContentLength = page.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(page, context.RequestAborted).AsTask();
    }

    /// <summary>
    /// Links to the other docs (security.md, architecture.md#…) are relative to the repository, and would resolve
    /// under /.tunnel/ here: they keep their text and lose the link; in-page (#…) and absolute links stay.
    /// </summary>
    private static void UnlinkSiblingDocuments(MarkdownDocument document)
    {
        foreach (var link in document.Descendants<LinkInline>().Where(IsSiblingDocument).ToList())
        {
            while (link.FirstChild is { } child)
            {
                child.Remove();
                link.InsertBefore(child);
            }

            link.Remove();
        }
    }

    private static bool IsSiblingDocument(LinkInline link) =>
        !link.IsImage && link.Url is { Length: > 0 } url && url[0] != '#' && url[0] != '/' && !Uri.TryCreate(url, UriKind.Absolute, out _);
}
