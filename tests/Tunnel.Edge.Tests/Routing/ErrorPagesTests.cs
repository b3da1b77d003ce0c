using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Tunnel.Edge.Routing;

namespace Tunnel.Edge.Tests.Routing;

/// <summary>What a person who hit an edge error page can follow: the link to the code's section of the guide.</summary>
public sealed class ErrorPagesTests
{
    [Theory]
    [InlineData("text/html", "<a href=\"/.tunnel/troubleshooting#no_connector\">")]
    [InlineData("*/*", "What this means: https://app.example.com/.tunnel/troubleshooting#no_connector\n")] // a terminal cannot resolve a relative link
    public async Task An_error_page_links_to_its_code_in_the_guide_the_edge_serves_on_the_same_hostname(string accept, string link)
    {
        var (body, context) = await RenderAsync(accept, new EdgeOptions(), 503, ErrorCodes.NoConnector);

        Assert.Contains("What this means: ", body);
        Assert.Contains(link, body);
        Assert.Contains("serves app.example.com, but no connector", body); // the page's own text stays
        Assert.Equal("no_connector", context.Response.Headers[ErrorPages.ErrorHeader].ToString());
    }

    [Fact]
    public async Task Operators_point_the_link_at_their_own_copy()
    {
        var options = new EdgeOptions { TroubleshootingUrl = "https://wiki.example.com/edge-errors" };
        var (body, _) = await RenderAsync("text/html", options, 404, ErrorCodes.UnknownHost);

        Assert.Contains("<a href=\"https://wiki.example.com/edge-errors#unknown_host\">", body);
        Assert.DoesNotContain(EdgeOptions.DefaultTroubleshootingUrl, body);
        var (text, _) = await RenderAsync("*/*", options, 404, ErrorCodes.UnknownHost);
        Assert.Contains("What this means: https://wiki.example.com/edge-errors#unknown_host\n", text);
    }

    [Fact]
    public void A_host_refused_as_malformed_is_never_echoed_in_the_link()
    {
        var context = new DefaultHttpContext();
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("xn--other-.localhost");
        Assert.Equal("/.tunnel/troubleshooting#bad_host", ErrorPages.AbsoluteHelpUrl(context, ErrorCodes.BadHost));
    }

    [Fact]
    public async Task A_page_that_reports_success_has_no_troubleshooting_link()
    {
        var (body, _) = await RenderAsync("text/html", new EdgeOptions(), 200, ErrorCodes.SignedOut);
        Assert.DoesNotContain("What this means", body);
    }

    private static async Task<(string Body, HttpContext Context)> RenderAsync(string accept, EdgeOptions options, int status, string code)
    {
        var services = new ServiceCollection();
        services.AddOptions<EdgeOptions>().Configure(o => o.TroubleshootingUrl = options.TroubleshootingUrl);
        var context = new DefaultHttpContext { RequestServices = services.BuildServiceProvider() };
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("app.example.com");
        context.Features.Set(new Tunnel.Edge.RequestTarget.CanonicalTarget("app.example.com", "/", "/")); // a hostname found valid
        context.Request.Headers.Accept = accept;
        var buffer = new MemoryStream();
        context.Response.Body = buffer;
        await ErrorPages.WriteAsync(context, status, code, "Title", "Tunnel 'web' serves app.example.com, but no connector of it is online.");
        Assert.Equal(status, context.Response.StatusCode);
        return (System.Text.Encoding.UTF8.GetString(buffer.ToArray()), context);
    }
}
