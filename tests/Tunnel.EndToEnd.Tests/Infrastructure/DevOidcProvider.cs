using System.Diagnostics;
using System.Text.Json;

namespace Tunnel.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A real OpenID Provider (node `oidc-provider`, deploy/dev-oidc-provider) on a loopback port, with test users and
/// groups. Installs its npm packages on first use, so `dotnet test` works on a machine that has Node.js.
/// </summary>
public sealed class DevOidcProvider : IAsyncDisposable
{
    public sealed record User(string Password, string[] Groups);

    private readonly Process _process;
    private readonly List<string> _output = [];

    private DevOidcProvider(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }
    public string Issuer => $"http://127.0.0.1:{Port}";
    public string Output { get { lock (_output) { return string.Join('\n', _output); } } }

    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    public static async Task<DevOidcProvider> StartAsync(IEnumerable<object> clients, IReadOnlyDictionary<string, User> users)
    {
        var dir = Path.Combine(Binaries.RepoRoot, "deploy", "dev-oidc-provider");
        await EnsureInstalledAsync(dir);
        var port = Ports.Free();
        var start = new ProcessStartInfo("node", "server.mjs")
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["DEV_OIDC_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["DEV_OIDC_CLIENTS"] = JsonSerializer.Serialize(clients),
                ["DEV_OIDC_USERS"] = JsonSerializer.Serialize(users.ToDictionary(u => u.Key, u => new { password = u.Value.Password, groups = u.Value.Groups })),
            },
        };
        var process = Process.Start(start)!;
        var provider = new DevOidcProvider(process, port);
        process.OutputDataReceived += (_, e) => provider.Capture(e.Data);
        process.ErrorDataReceived += (_, e) => provider.Capture(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var probe = new HttpClient();
        await Eventually.Until(async () =>
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the dev OIDC provider exited: {provider.Output}");
            }

            return await probe.GetAsync($"{provider.Issuer}/.well-known/openid-configuration");
        }, r => r.IsSuccessStatusCode, TimeSpan.FromSeconds(30), "dev OIDC provider start");
        return provider;
    }

    private void Capture(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.Add(line);
            }
        }
    }

    /// <summary>The provider's directory, with its npm packages installed (once per run).</summary>
    public static string Directory => Path.Combine(Binaries.RepoRoot, "deploy", "dev-oidc-provider");

    public static async Task EnsureInstalledAsync(string dir)
    {
        await InstallLock.WaitAsync();
        try
        {
            if (File.Exists(Path.Combine(dir, "node_modules", ".package-lock.json"))) // npm writes it last
            {
                return;
            }

            using var npm = Process.Start(new ProcessStartInfo("npm", "ci --no-audit --no-fund") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true })!;
            var stderr = npm.StandardError.ReadToEndAsync();
            await npm.StandardOutput.ReadToEndAsync();
            await npm.WaitForExitAsync();
            if (npm.ExitCode != 0)
            {
                throw new InvalidOperationException($"`npm ci` in {dir} failed: {await stderr}");
            }
        }
        finally
        {
            InstallLock.Release();
        }
    }

    /// <summary>Fills the provider's login page (and consent, when asked) in a browser that was sent to it.</summary>
    public Task LogInAsync(Microsoft.Playwright.IPage page, string login, string password) => LogInAsync(page, Issuer, login, password);

    /// <summary>The same, for a provider this class did not start (docker-compose.yml's).</summary>
    public static async Task LogInAsync(Microsoft.Playwright.IPage page, string issuer, string login, string password)
    {
        await page.WaitForURLAsync(url => url.StartsWith(issuer, StringComparison.Ordinal));
        await page.FillAsync("input[name=login]", login);
        await page.FillAsync("input[name=password]", password);
        await page.ClickAsync("button[type=submit]");
        if (await page.Locator("input[name=prompt][value=consent]").CountAsync() > 0)
        {
            await page.ClickAsync("button[type=submit]");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
