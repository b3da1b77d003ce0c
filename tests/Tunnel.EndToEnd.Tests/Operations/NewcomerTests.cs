using System.Net;
using System.Net.Sockets;
using System.Web;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Operations;

/// <summary>
/// The README's first run, done as a newcomer does it: run deploy/local/stack.sh, paste what it printed, run the
/// README's commands and see what the README says; then stop the script with `kill` and find nothing left running.
/// </summary>
public sealed class NewcomerTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(Binaries.RepoRoot, "README.md"));

    [Fact]
    public async Task The_printed_lines_and_the_readme_commands_work_and_kill_stops_everything()
    {
        await using var stack = await LocalStackScript.StartAsync();
        var demo = $"https://demo.localhost:{stack.HttpsPort}/";
        Assert.Contains("Tunnel is up", stack.Output);
        Assert.Contains(demo, stack.Output);

        // "Try:  curl --cacert … URL": the demo origin answers through the tunnel, as the README quotes it.
        var curl = stack.PrintedLine("Try:  ", removePrefix: true);
        var (curlExit, curlOutput) = await LocalStackScript.ShellAsync(curl);
        Assert.True(curlExit == 0, $"{curl}\n{curlOutput}");
        Assert.True(curlOutput.Contains($"Hello from the Tunnel demo origin. You reached demo.localhost:{stack.HttpsPort} through 127.0.0.1.", StringComparison.Ordinal), curlOutput);
        Assert.Contains("the answer is `Hello from the Tunnel demo origin. You reached demo.localhost:8443 through 127.0.0.1.`", Readme);

        // The export and tunnel() lines, pasted into a shell, then the README's commands.
        var pasted = stack.PrintedLine("export TUNNEL_API=") + "\n" + stack.PrintedLine("tunnel() {") + "\n";
        foreach (var name in new[] { "TUNNEL_API", "TUNNEL_API_KEY", "TUNNEL_API_CA", "TUNNEL_EDGE_CA" })
        {
            Assert.Matches($"\\s{name}=", stack.PrintedLine("export TUNNEL_API="));
        }

        var list = await Eventually.Until(() => LocalStackScript.ShellAsync(pasted + "tunnel list"),
            r => r.Output.Contains("healthy", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "tunnel list showing demo healthy");
        Assert.Equal(0, list.ExitCode);
        var row = list.Output.Split('\n').Single(l => l.Contains(" demo ", StringComparison.Ordinal));
        Assert.Contains("healthy", row);
        Assert.Contains("demo.localhost", row);
        Assert.Contains("tunnel list                               # the tunnel demo, status healthy, hostname demo.localhost", Readme);

        var info = await LocalStackScript.ShellAsync(pasted + "tunnel info demo");
        Assert.True(info.ExitCode == 0, info.Output);
        Assert.Contains("status healthy, 4 connection(s)", info.Output);
        Assert.Contains("hostnames: demo.localhost", info.Output);
        Assert.Contains("tunnel info demo                          # status healthy, 4 connection(s), hostnames: demo.localhost", Readme);

        var route = await LocalStackScript.ShellAsync(pasted + "tunnel route dns demo hello.localhost");
        Assert.True(route.ExitCode == 0, route.Output);
        Assert.Contains("Routed hello.localhost to tunnel demo", route.Output);
        Assert.Contains("tunnel route dns demo hello.localhost     # Routed hello.localhost to tunnel demo", Readme);
        var hello = await Eventually.Until(() => LocalStackScript.ShellAsync(curl.Replace("demo.localhost", "hello.localhost", StringComparison.Ordinal)),
            r => r.Output.Contains("Hello from the Tunnel demo origin", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the new route serving the demo");
        Assert.Contains("You reached hello.localhost", hello.Output);

        // The line a developer types most: expose a local port in one command, then Ctrl+C (here: the demo origin's port).
        const string quickLine = "tunnel quick --url http://localhost:3000";
        Assert.Contains(quickLine + "  # expose a local port in one command", Readme);
        var typed = quickLine.Replace(":3000", $":{stack.Ports["TUNNEL_ORIGIN_PORT"]}", StringComparison.Ordinal);
        var quick = await LocalStackScript.ShellAsync(pasted + $$"""
            out=$(mktemp)
            {{typed}} >"$out" 2>&1 &
            runner=$!
            for _ in $(seq 1 150); do grep -q 'quick.localhost:' "$out" && break; sleep 0.2; done
            url=$(grep -o 'https://[a-z0-9-]*\.quick\.localhost:[0-9]*' "$out" | head -1)
            for _ in $(seq 1 100); do curl -sf --cacert "$TUNNEL_EDGE_CA" "$url/" && break; sleep 0.2; done
            kill -INT $(pgrep -P $runner) 2>/dev/null; wait $runner
            cat "$out"; rm -f "$out"
            """);
        Assert.Contains("Hello from the Tunnel demo origin. You reached ", quick.Output);
        Assert.Matches($@"https://[a-z]+-[a-z]+-\d{{4}}\.quick\.localhost:{stack.HttpsPort}", quick.Output);
        Assert.Contains("Quick tunnel closed.", quick.Output);

        // `kill PID` of the script: every program it started stops with it (the connector was left behind before).
        var started = stack.Descendants();
        Assert.True(started.Count >= 4, $"expected control plane, edge, origin and connector under the script: {string.Join(", ", started.Select(LocalStackScript.CommandLine))}");
        Assert.Contains(started, pid => LocalStackScript.CommandLine(pid).Contains("tunnel.dll run", StringComparison.Ordinal));
        await stack.StopAsync();
        await AssertNothingLeftAsync(stack, started);
    }

    [Fact]
    public async Task With_TUNNEL_ACCESS_the_demo_sends_anonymous_visitors_to_the_login_and_the_users_are_printed()
    {
        await using var stack = await LocalStackScript.StartAsync(access: true);
        var port = stack.HttpsPort;
        Assert.Contains("behind Access", stack.Output);
        Assert.Contains("alice@example.com / alice", stack.Output);
        Assert.Contains("bob@example.com / bob", stack.Output);

        // A browser without a session: redirected to the login at the auth hostname, not served the origin.
        var handler = TunnelStack.LoopbackHandler(stack.EdgeCa);
        handler.AllowAutoRedirect = false;
        using var browser = new HttpClient(handler);
        using var page = new HttpRequestMessage(HttpMethod.Get, $"https://demo.localhost:{port}/");
        page.Headers.Accept.ParseAdd("text/html");
        using var anonymous = await browser.SendAsync(page);
        var body = await anonymous.Content.ReadAsStringAsync();
        Assert.True(anonymous.StatusCode == HttpStatusCode.Redirect, $"{(int)anonymous.StatusCode} {body}\n{stack.Output}");
        Assert.DoesNotContain("Hello from the Tunnel demo origin", body);
        var login = anonymous.Headers.Location!;
        Assert.Equal($"https://auth.localhost:{port}/.tunnel/login", login.GetLeftPart(UriPartial.Path));

        // The login host sends the browser on to the development provider, asking for groups, with the redirect
        // URI the provider was given; the provider shows its login form (it refuses unknown clients and redirect URIs).
        using var toProvider = await browser.GetAsync(login);
        Assert.True(toProvider.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found, $"{(int)toProvider.StatusCode} {await toProvider.Content.ReadAsStringAsync()}");
        var authorize = toProvider.Headers.Location!;
        Assert.Equal($"http://127.0.0.1:{stack.Ports["TUNNEL_OIDC_PORT"]}", authorize.GetLeftPart(UriPartial.Authority));
        Assert.Equal("tunnel-access", HttpUtility.ParseQueryString(authorize.Query)["client_id"]);
        using var provider = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() });
        var form = await provider.GetStringAsync(authorize);
        Assert.Contains("name=\"login\"", form);

        // The identity provider was set with the groups scope the sample policy needs.
        using var controlPlane = new HttpClient(TunnelStack.LoopbackHandler(Path.Combine(stack.DataDirectory, "controlplane", "certs", "dev-ca.pem")));
        controlPlane.DefaultRequestHeaders.Authorization = new("Bearer", File.ReadAllText(Path.Combine(stack.DataDirectory, "admin-api-key")).Trim());
        var idp = await controlPlane.GetStringAsync($"https://127.0.0.1:{stack.Ports["TUNNEL_CP_PORT"]}/api/access/identity-provider");
        Assert.Contains("\"scopes\":\"openid email profile groups\"", idp);

        // Clients that are not browsers get the 401 with the login URL.
        using var api = await browser.GetAsync($"https://demo.localhost:{port}/");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal("access_required", api.Headers.GetValues("X-Tunnel-Error").Single());

        var started = stack.Descendants();
        Assert.Contains(started, pid => LocalStackScript.CommandLine(pid).Contains("server.mjs", StringComparison.Ordinal));
        await stack.StopAsync();
        await AssertNothingLeftAsync(stack, started);
    }

    private static async Task AssertNothingLeftAsync(LocalStackScript stack, IReadOnlyList<int> started)
    {
        Assert.True(stack.HasExited);
        var left = started.Where(LocalStackScript.IsAlive).ToList();
        for (var i = 0; i < 50 && left.Count > 0; i++)
        {
            await Task.Delay(100);
            left = left.Where(LocalStackScript.IsAlive).ToList();
        }

        Assert.True(left.Count == 0, "still running after the script stopped: " + string.Join("; ", left.Select(LocalStackScript.CommandLine)));
        foreach (var (name, port) in stack.Ports)
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            // Connections closed a moment ago (TIME_WAIT) do not count: only a listener left behind does.
            listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            var free = true;
            try
            {
                listener.Start();
            }
            catch (SocketException)
            {
                free = false;
            }

            Assert.True(free, $"{name} {port} is still taken after the script stopped");
        }
    }
}
