using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Tunnel.Connector.Tests.Cli;

/// <summary>
/// Secrets given through the environment (API key, tunnel token, service token, the identity provider's client
/// secret) are used when their flag is absent, and `--help` never prints them as default values.
/// </summary>
[Collection("Console")]
public class SecretOptionsTests : IDisposable
{
    private static readonly Dictionary<string, string> Secrets = new()
    {
        ["TUNNEL_API_KEY"] = "env-api-key-5f3a9c1e",
        ["TUNNEL_TOKEN"] = "env-tunnel-token-7b2d4e8f",
        ["TUNNEL_SERVICE_TOKEN_ID"] = "env-service-token-id-3c6e1a9d",
        ["TUNNEL_SERVICE_TOKEN_SECRET"] = "env-service-token-secret-9a8b7c6d",
        ["TUNNEL_IDP_CLIENT_SECRET"] = "env-idp-client-secret-1d2e3f4a",
    };

    private readonly Dictionary<string, string?> _saved = Secrets.Keys.ToDictionary(k => k, Environment.GetEnvironmentVariable);

    [Theory]
    [InlineData("--help")]
    [InlineData("run", "--help")]
    [InlineData("access", "tcp", "--help")]
    [InlineData("access", "ssh", "--help")]
    [InlineData("access", "idp", "set", "--help")]
    [InlineData("list", "--help")]
    public async Task Help_does_not_print_secrets_from_the_environment(params string[] args)
    {
        SetAll();
        var (code, output, error) = await CliRunner.RunAsync(args);
        Assert.Equal(0, code);
        Assert.Contains("Usage:", output);
        Assert.Contains("[env TUNNEL_", output); // the variables are still named
        foreach (var value in Secrets.Values)
        {
            Assert.DoesNotContain(value, output);
            Assert.DoesNotContain(value, error);
        }
    }

    [Fact]
    public async Task Api_key_and_idp_client_secret_come_from_the_environment_unless_flags_are_given()
    {
        SetAll();
        using var api = new FakeApi();
        string[] args = ["access", "idp", "set", "--api", api.Url, "--auth-hostname", "auth.example.com", "--authority", "https://idp.example.com", "--client-id", "cid"];

        var fromEnvironment = await CliRunner.RunAsync(args);
        Assert.True(fromEnvironment.Code == 0, fromEnvironment.Err);
        var request = Assert.Single(api.Requests);
        Assert.Equal("PUT /api/access/identity-provider", request.Line);
        Assert.Equal($"Bearer {Secrets["TUNNEL_API_KEY"]}", request.Authorization);
        Assert.Equal(Secrets["TUNNEL_IDP_CLIENT_SECRET"], request.Body.GetProperty("clientSecret").GetString());

        var fromFlags = await CliRunner.RunAsync([.. args, "--api-key", "flag-key", "--client-secret", "flag-secret"]);
        Assert.True(fromFlags.Code == 0, fromFlags.Err);
        Assert.Equal("Bearer flag-key", api.Requests[1].Authorization);
        Assert.Equal("flag-secret", api.Requests[1].Body.GetProperty("clientSecret").GetString());
    }

    [Fact]
    public async Task Without_an_api_key_anywhere_the_cli_says_how_to_give_one()
    {
        Environment.SetEnvironmentVariable("TUNNEL_API_KEY", null);
        var result = await CliRunner.RunAsync("list", "--api", "http://127.0.0.1:1/");
        Assert.NotEqual(0, result.Code);
        Assert.Contains("no API token", result.Err);
    }

    [Fact]
    public async Task Run_takes_the_tunnel_token_from_the_environment()
    {
        Environment.SetEnvironmentVariable("TUNNEL_TOKEN", null);
        var missing = await CliRunner.RunAsync("run", "--url", "http://localhost:3000");
        Assert.Equal(2, missing.Code);
        Assert.Contains("the token is empty", missing.Err);

        // A token that does not decode: the error shows it was read (and stops `run` before it connects anywhere).
        Environment.SetEnvironmentVariable("TUNNEL_TOKEN", Secrets["TUNNEL_TOKEN"]);
        var fromEnvironment = await CliRunner.RunAsync("run", "--url", "http://localhost:3000");
        Assert.Equal(2, fromEnvironment.Code);
        Assert.Contains("not a tunnel token", fromEnvironment.Err);
        Assert.DoesNotContain(Secrets["TUNNEL_TOKEN"], fromEnvironment.Err);
    }

    [Theory]
    [InlineData("TUNNEL_SERVICE_TOKEN_ID")]
    [InlineData("TUNNEL_SERVICE_TOKEN_SECRET")]
    public async Task Access_takes_each_half_of_the_service_token_from_the_environment(string variable)
    {
        string[] args = ["access", "tcp", "--hostname", "db.example.com", "--url", "not-an-address"];
        Environment.SetEnvironmentVariable("TUNNEL_SERVICE_TOKEN_ID", null);
        Environment.SetEnvironmentVariable("TUNNEL_SERVICE_TOKEN_SECRET", null);
        var neither = await CliRunner.RunAsync(args);
        Assert.Contains("is not a local address", neither.Err);

        // Only one half set: refused, which shows the environment's half was read.
        Environment.SetEnvironmentVariable(variable, Secrets[variable]);
        var half = await CliRunner.RunAsync(args);
        Assert.Equal(2, half.Code);
        Assert.Contains("give both --service-token-id and --service-token-secret", half.Err);

        // The other half from its flag completes the pair.
        var otherFlag = variable == "TUNNEL_SERVICE_TOKEN_ID" ? "--service-token-secret" : "--service-token-id";
        var both = await CliRunner.RunAsync([.. args, otherFlag, "from-flag"]);
        Assert.Contains("is not a local address", both.Err);
    }

    public void Dispose()
    {
        foreach (var (name, value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    private static void SetAll()
    {
        foreach (var (name, value) in Secrets)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    /// <summary>A control plane stand-in on loopback HTTP: records each request and answers 200 with an identity provider.</summary>
    private sealed class FakeApi : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;

        public FakeApi()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Url = $"http://127.0.0.1:{port}/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _loop = Task.Run(ServeAsync);
        }

        public string Url { get; }

        public List<(string Line, string? Authorization, JsonElement Body)> Requests { get; } = [];

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
                var body = await reader.ReadToEndAsync();
                lock (Requests)
                {
                    Requests.Add(($"{context.Request.HttpMethod} {context.Request.Url!.AbsolutePath}", context.Request.Headers["Authorization"],
                        JsonDocument.Parse(body.Length == 0 ? "{}" : body).RootElement.Clone()));
                }

                var answer = """{"authHostname":"auth.example.com","redirectUri":"https://auth.example.com/callback"}"""u8.ToArray();
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/json";
                context.Response.ContentLength64 = answer.Length;
                await context.Response.OutputStream.WriteAsync(answer);
                context.Response.Close();
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
    }
}
