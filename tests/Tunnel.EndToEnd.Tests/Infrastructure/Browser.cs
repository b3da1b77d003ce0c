using Microsoft.Playwright;

namespace Tunnel.EndToEnd.Tests.Infrastructure;

/// <summary>Headless Chromium from the system (Debian `chromium`), driven by Playwright; no browser download.</summary>
public static class Browser
{
    public static readonly string ExecutablePath = Environment.GetEnvironmentVariable("TUNNEL_TEST_CHROMIUM") ?? "/usr/bin/chromium";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new FileNotFoundException($"no Chromium at {ExecutablePath}: install Debian's `chromium` (apt-get install chromium) or set TUNNEL_TEST_CHROMIUM", ExecutablePath);
        }

        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage"], // root in CI has no user namespace sandbox
        });
        return (playwright, browser);
    }

    /// <summary>Where screenshots of the pages go (beside the test binaries), for people to look at.</summary>
    public static string ScreenshotPath(string name)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name + ".png");
    }
}
