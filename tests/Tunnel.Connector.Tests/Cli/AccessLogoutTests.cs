namespace Tunnel.Connector.Tests.Cli;

/// <summary>`tunnel access logout` deletes the login cache `tunnel access` keeps under TUNNEL_HOME/access.</summary>
[Collection("Console")]
public class AccessLogoutTests : IDisposable
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), $"tunnel-home-{Guid.NewGuid():N}");
    private readonly string? _savedHome = Environment.GetEnvironmentVariable("TUNNEL_HOME");

    public AccessLogoutTests()
    {
        Environment.SetEnvironmentVariable("TUNNEL_HOME", _home);
        Directory.CreateDirectory(Path.Combine(_home, "access"));
        File.WriteAllText(Cache("ssh.example.com"), "refused-login-token");
        File.WriteAllText(Cache("db.example.com"), "other-login-token");
    }

    private string Cache(string hostname) => Path.Combine(_home, "access", hostname + ".token");

    [Fact]
    public async Task Logout_of_one_hostname_forgets_only_its_login()
    {
        var (code, output, _) = await CliRunner.RunAsync("access", "logout", "--hostname", "SSH.example.com:8443");
        Assert.Equal(0, code);
        Assert.Contains("Logged out of ssh.example.com", output);
        Assert.False(File.Exists(Cache("ssh.example.com")));
        Assert.True(File.Exists(Cache("db.example.com")));

        var again = await CliRunner.RunAsync("access", "logout", "--hostname", "ssh.example.com");
        Assert.Equal(0, again.Code);
        Assert.Contains("No cached login for ssh.example.com", again.Out);
    }

    [Fact]
    public async Task Logout_without_a_hostname_forgets_every_login()
    {
        var (code, output, _) = await CliRunner.RunAsync("access", "logout");
        Assert.Equal(0, code);
        Assert.Contains("ssh.example.com", output);
        Assert.Contains("db.example.com", output);
        Assert.Empty(Directory.GetFiles(Path.Combine(_home, "access")));
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("TUNNEL_HOME", _savedHome);
        Directory.Delete(_home, true);
    }
}
