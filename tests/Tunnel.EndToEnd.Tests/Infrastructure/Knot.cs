using System.Security.Cryptography;

namespace Tunnel.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Knot DNS (Debian `knot`), authoritative for one zone on loopback, taking RFC 2136 updates signed with a TSIG key:
/// every name in the zone resolves to 127.0.0.1, and DNS-01's TXT records are what the edge adds.
/// </summary>
public sealed class Knot : IAsyncDisposable
{
    private readonly TestProcess _process;
    private readonly string _dir;

    private Knot(TestProcess process, string dir, string zone, int port, string secret)
    {
        _process = process;
        _dir = dir;
        Zone = zone;
        Server = $"127.0.0.1:{port}";
        TsigSecret = secret;
    }

    public string Zone { get; }
    public string Server { get; }
    public string TsigKeyName => "acme-updates";
    public string TsigSecret { get; }
    public string Output => _process.Output;

    public static async Task<Knot> StartAsync(string zone)
    {
        var dir = Path.Combine(Path.GetTempPath(), "knot-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var port = Ports.Free();
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await File.WriteAllTextAsync(Path.Combine(dir, $"{zone}.zone"), $"""
            $ORIGIN {zone}.
            $TTL 60
            @ SOA ns.{zone}. hostmaster.{zone}. 1 3600 600 86400 60
            @ NS ns.{zone}.
            ns A 127.0.0.1
            * A 127.0.0.1

            """);
        await File.WriteAllTextAsync(Path.Combine(dir, "knot.conf"), $"""
            server:
                listen: 127.0.0.1@{port}
                rundir: "{dir}"
            log:
              - target: stdout
                any: info
            database:
                storage: "{dir}"
            key:
              - id: acme-updates
                algorithm: hmac-sha256
                secret: {secret}
            acl:
              - id: updates
                key: acme-updates
                action: update
            template:
              - id: default
                storage: "{dir}"
                file: "%s.zone"
                zonefile-sync: -1
                journal-content: none
            zone:
              - domain: {zone}
                acl: updates

            """);
        var process = TestProcess.Start("knot", "knotd", ["-c", Path.Combine(dir, "knot.conf")]);
        var knot = new Knot(process, dir, zone, port, secret);
        await Eventually.Until(() => Task.FromResult(process.Output), o => o.Contains("loaded", StringComparison.OrdinalIgnoreCase) && o.Contains(zone, StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), $"knot serving {zone}");
        return knot;
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
