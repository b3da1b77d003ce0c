using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Tunnel.Connector.Tests.Cli;

/// <summary>
/// Options taking a file, an address, a URL or a duration are checked before anything runs: one line saying what is
/// wrong and what to write, a non-zero exit, no stack trace, no help dump; and a failure nobody foresaw is one line too.
/// </summary>
[Collection("Console")]
public class OptionValidationTests : IDisposable
{
    private readonly string? _savedApiCa = Environment.GetEnvironmentVariable("TUNNEL_API_CA");

    [Theory]
    [InlineData("--api-ca '/nonexistent/ca.pem' does not exist: give the path of a PEM file", "list", "--api-key", "k", "--api-ca", "/nonexistent/ca.pem")]
    [InlineData("--metrics '2000' is not an address: write HOST:PORT, like 127.0.0.1:2000", "run", "--token", "x", "--metrics", "2000")]
    [InlineData("--edge-ca '/nonexistent/edge.pem' does not exist", "access", "tcp", "--hostname", "db.example.com", "--url", "127.0.0.1:5432", "--edge-ca", "/nonexistent/edge.pem")]
    [InlineData("--edge-ca '/nonexistent/edge.pem' does not exist", "run", "--token", "x", "--edge-ca", "/nonexistent/edge.pem")]
    [InlineData("--grace-period '3x' is not a duration: write it like 30s", "run", "--token", "x", "--grace-period", "3x")]
    [InlineData("--edge 'http://edge.example.com' is not an https:// URL", "run", "--token", "x", "--edge", "http://edge.example.com")]
    [InlineData("--config '/nonexistent/config.yml' does not exist", "run", "--token", "x", "--config", "/nonexistent/config.yml")]
    [InlineData("--edge-address 'edge.example.com' is not an address: write HOST:PORT", "access", "ssh", "--hostname", "ssh.example.com", "--edge-address", "edge.example.com")]
    [InlineData("--api 'controlplane' is not an https:// or http:// URL", "list", "--api-key", "k", "--api", "controlplane")]
    public async Task A_bad_value_is_one_line_naming_the_option_and_the_form_to_write(string expected, params string[] args)
    {
        var (code, output, error) = await CliRunner.RunAsync(args);
        Assert.Equal(2, code);
        Assert.Contains($"error: {expected}", error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", error);
        Assert.DoesNotContain("Usage:", output + error);
    }

    [Fact]
    public async Task A_value_from_the_environment_is_checked_and_the_variable_named()
    {
        Environment.SetEnvironmentVariable("TUNNEL_API_CA", "/nonexistent/env-ca.pem");
        var (code, _, error) = await CliRunner.RunAsync("list", "--api-key", "k");
        Assert.Equal(2, code);
        Assert.Contains("error: --api-ca (from TUNNEL_API_CA) '/nonexistent/env-ca.pem' does not exist", error);
    }

    [Fact]
    public async Task A_name_where_an_id_was_expected_is_not_a_type_error()
    {
        // Before, `revoke` took only a GUID and answered a name with System.Guid's parse error and the whole help.
        var (code, output, error) = await CliRunner.RunAsync("tokens", "revoke", "ci-deploy", "--api", "http://127.0.0.1:1/", "--api-key", "k");
        Assert.NotEqual(0, code);
        Assert.DoesNotContain("System.Guid", error);
        Assert.DoesNotContain("Usage:", output + error);
        Assert.Contains("cannot reach the control plane", error); // it went on to look the name up
    }

    [Fact]
    public async Task An_unforeseen_failure_is_one_line_and_a_hint_and_the_trace_only_with_debug()
    {
        // A "control plane" answering 200 with something that is not JSON: nothing in the CLI expects that.
        using var server = new NotJsonServer();
        var (code, _, error) = await CliRunner.RunAsync("list", "--api", server.Url, "--api-key", "k");
        Assert.Equal(1, code);
        var lines = error.Trim().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains("--debug", lines[1]);
        Assert.DoesNotContain("   at ", error);

        var debug = await CliRunner.RunAsync("list", "--api", server.Url, "--api-key", "k", "--debug");
        Assert.Equal(1, debug.Code);
        Assert.Contains("   at ", debug.Err);
    }

    public void Dispose() => Environment.SetEnvironmentVariable("TUNNEL_API_CA", _savedApiCa);

    /// <summary>A loopback HTTP server answering every request 200 with an HTML page.</summary>
    private sealed class NotJsonServer : IDisposable
    {
        private readonly HttpListener _listener = new();

        public NotJsonServer()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Url = $"http://127.0.0.1:{port}/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    try
                    {
                        var context = await _listener.GetContextAsync();
                        var body = Encoding.UTF8.GetBytes("<html>a web server, not the control plane</html>");
                        context.Response.ContentType = "application/json"; // claims JSON, sends HTML
                        await context.Response.OutputStream.WriteAsync(body);
                        context.Response.Close();
                    }
                    catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                    {
                        return;
                    }
                }
            });
        }

        public string Url { get; }

        public void Dispose() => _listener.Close();
    }
}
