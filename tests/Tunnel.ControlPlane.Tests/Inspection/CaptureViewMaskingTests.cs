using System.Text;
using System.Text.Json;
using Tunnel.ControlPlane.Inspection;
using Tunnel.ControlPlane.Model;
using Tunnel.Shared.Inspection;

namespace Tunnel.ControlPlane.Tests.Inspection;

/// <summary>
/// A full capture (stored unmasked) read by a viewer: headers, the URL (and the curl command built from it), body
/// fields and echoed secrets masked, and a body the edge could not decode not shown at all, since no mask sees inside
/// it. Admins read it as stored.
/// </summary>
public sealed class CaptureViewMaskingTests
{
    private static CaptureEntity FullCapture(string responseEncoding, byte[] responseBody) => new()
    {
        ExchangeId = "x1", Hostname = "app.example.com", Method = "GET", Url = "https://app.example.com/cb?code=c0de-sekret&page=2",
        Path = "/cb?code=c0de-sekret&page=2", HttpVersion = "HTTP/2", ClientAddress = "203.0.113.7",
        RequestHeadersJson = JsonSerializer.Serialize(new[] { new[] { "Authorization", "Bearer bearer-sekret" } }), RequestBody = [], RequestBodyDecoded = "",
        Status = 200, ResponseHeadersJson = JsonSerializer.Serialize(new[] { new[] { "Content-Encoding", responseEncoding }, new[] { "Content-Type", "application/json" } }),
        ResponseBody = responseBody, ResponseBodySize = responseBody.Length, ResponseBodyDecoded = "",
        EdgeId = "edge-a", ServedByEdge = "edge-a", ConnectorId = "c", Identity = "", TraceId = "", RequestId = "r", Kind = "http", Redacted = false,
    };

    [Fact]
    public void A_viewer_reads_a_full_capture_masked_url_and_curl_included_and_an_undecoded_body_not_at_all()
    {
        var capture = FullCapture("zstd", Encoding.UTF8.GetBytes("(zstd frames holding {\"password\":\"hunter22\"})"));
        var asViewer = CaptureView.Detail(capture, null, [], Redaction.Rules.Default);
        var text = JsonSerializer.Serialize(asViewer);
        Assert.DoesNotContain("sekret", text);
        Assert.DoesNotContain("hunter22", text);
        Assert.Contains("page=2", asViewer.Url);
        Assert.Equal("empty", asViewer.Response.Body.Format);
        Assert.True(asViewer.Redacted);

        var asAdmin = CaptureView.Detail(capture, null, [], null);
        Assert.Contains("code=c0de-sekret", asAdmin.Url);
        Assert.Contains("c0de-sekret", asAdmin.Curl);
        Assert.Contains("hunter22", asAdmin.Response.Body.Text);
    }

    [Fact]
    public void A_body_sent_as_identity_is_masked_by_field_not_dropped()
    {
        var capture = FullCapture("identity", Encoding.UTF8.GetBytes("{\"password\":\"hunter22\",\"user\":\"ann\"}"));
        var asViewer = CaptureView.Detail(capture, null, [], new Redaction.Rules([], ["password"]));
        Assert.Contains("ann", asViewer.Response.Body.Text);
        Assert.DoesNotContain("hunter22", asViewer.Response.Body.Text);
    }
}
