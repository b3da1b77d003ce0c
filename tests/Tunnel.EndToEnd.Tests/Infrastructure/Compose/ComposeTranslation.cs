using System.Globalization;
using System.Text.RegularExpressions;

namespace Tunnel.EndToEnd.Tests.Infrastructure.Compose;

/// <summary>
/// Turns what a container sees into what a local process sees, by one set of rules applied to every environment
/// value, entrypoint argument and mounted script:
/// <list type="bullet">
/// <item>a port a service listens on in its container (7844 of edge, 3000 of origin) becomes a free loopback port, the
///   same wherever it is named: `https://edge:7844`, `Edge__ConnectorPort: "7844"`, `localhost:7800` (published);</item>
/// <item>service names and the names servers resolve (oidc.localhost) become 127.0.0.1; names the edge serves
///   (auth.localhost, demo.localhost: Host headers and TLS names) stay, since browsers resolve *.localhost themselves;</item>
/// <item>0.0.0.0 (alone or as 0.0.0.0:PORT, a listen address) becomes 127.0.0.1; `Host=postgres` gains the cluster's port;</item>
/// <item>mount points (/data, /edge, /shared, a mounted script) become directories of this run; /app is the build
///   output the image would hold.</item>
/// </list>
/// A URL without a port and without a path is an identifier (an issuer), not an address, and is left alone.
/// </summary>
public sealed partial class ComposeTranslation
{
    private readonly IReadOnlyList<ComposeService> _services;
    private readonly string _volumes;
    private readonly Dictionary<(string Service, int Port), int> _ports = [];

    public ComposeTranslation(IReadOnlyList<ComposeService> services, string volumesDirectory)
    {
        _services = services;
        _volumes = volumesDirectory;
    }

    /// <summary>The loopback port that stands for a service's container port.</summary>
    public int Port(string service, int containerPort)
    {
        lock (_ports)
        {
            return _ports.TryGetValue((service, containerPort), out var port) ? port : _ports[(service, containerPort)] = Ports.Free();
        }
    }

    public string VolumeDirectory(string volume)
    {
        var dir = Path.Combine(_volumes, volume);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Where /app of this service's image is: the build output of its project, or the files it copies.</summary>
    public static string AppDirectory(ComposeService service) =>
        service.Built?.AppDirectory ?? throw new InvalidOperationException($"{service.Name} is not built from a Dockerfile: it has no /app");

    /// <summary>The image's ENV, then the service's environment over it, as Docker merges them.</summary>
    public IReadOnlyDictionary<string, string> Environment(ComposeService service)
    {
        var env = (service.Built?.Environment ?? new Dictionary<string, string>()).ToDictionary();
        foreach (var (key, value) in service.Environment)
        {
            env[key] = value;
        }

        return env.ToDictionary(kv => kv.Key, kv => Value(service, kv.Value));
    }

    /// <summary>A whole value: a bare port number or 0.0.0.0 are this service's own; anything else is text.</summary>
    public string Value(ComposeService service, string value)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536)
        {
            return Port(service.Name, port).ToString(CultureInfo.InvariantCulture);
        }

        return value == "0.0.0.0" ? "127.0.0.1" : Text(service, value);
    }

    public string Text(ComposeService service, string text)
    {
        text = Url().Replace(text, m =>
        {
            var scheme = m.Groups["scheme"].Value;
            var host = m.Groups["host"].Value;
            var hasPort = m.Groups["port"].Success;
            if (!hasPort && !m.Groups["rest"].Success)
            {
                return m.Value; // an identifier such as an issuer: https://auth.localhost
            }

            var port = hasPort ? int.Parse(m.Groups["port"].Value, CultureInfo.InvariantCulture) : scheme == "https" ? 443 : 80;
            var target = Target(service, host, port);
            return $"{scheme}://{Host(host, target)}:{Port(target.Name, port)}{m.Groups["rest"].Value}";
        });
        text = ListenAddress().Replace(text, m => $"127.0.0.1:{Port(service.Name, int.Parse(m.Groups["port"].Value, CultureInfo.InvariantCulture))}");
        text = PostgresHost().Replace(text, m =>
        {
            var target = Target(service, m.Groups["host"].Value, 5432);
            return $"Host=127.0.0.1;Port={Port(target.Name, 5432)}";
        });

        foreach (var mount in service.Mounts.OrderByDescending(m => m.Target.Length))
        {
            var local = Mounted(service, mount);
            text = Regex.Replace(text, $@"(?<![\w/.-]){Regex.Escape(mount.Target)}(?=$|[/\s""':;])", _ => local);
        }

        return Regex.Replace(text, @"(?<![\w/.-])/app(?=/)", _ => AppDirectory(service));
    }

    /// <summary>
    /// The local path of a mount: a directory per named volume, the repository's directory for a bind mount, and for a
    /// bind-mounted file (a script) a translated copy, since what it names is what the container sees.
    /// </summary>
    private string Mounted(ComposeService service, ComposeMount mount)
    {
        if (!mount.IsBind)
        {
            return VolumeDirectory(mount.Source);
        }

        var source = Path.GetFullPath(Path.Combine(Binaries.RepoRoot, mount.Source));
        if (!File.Exists(source))
        {
            return source;
        }

        var copy = Path.Combine(VolumeDirectory("_mounted-" + service.Name), Path.GetFileName(source));
        if (!File.Exists(copy))
        {
            File.WriteAllText(copy, ""); // exists before translating, so a script naming its own mount point does not recurse
            File.WriteAllText(copy, Text(service, File.ReadAllText(source)));
        }

        return copy;
    }

    /// <summary>The service a host name reaches from <paramref name="from"/>: by name, by alias, or by published port.</summary>
    private ComposeService Target(ComposeService from, string host, int port)
    {
        if (_services.FirstOrDefault(s => s.Name == host || s.Aliases.Contains(host)) is { } named)
        {
            return named;
        }

        if (host is "localhost" or "127.0.0.1" or "0.0.0.0")
        {
            return _services.FirstOrDefault(s => s.PublishedContainerPorts.Contains(port) && host != "0.0.0.0") ?? from;
        }

        throw new InvalidOperationException($"{from.Name} names {host}:{port}, which no service of the compose file is: a drift, or a rule missing here");
    }

    /// <summary>The name to use for a host: the edge's served names stay (TLS and Host), every other one is loopback.</summary>
    private string Host(string host, ComposeService target) =>
        host == "localhost" || (target.Aliases.Contains(host) && IsEdge(target)) ? host : "127.0.0.1";

    private static bool IsEdge(ComposeService service) => service.Built?.Path.EndsWith("/edge.Dockerfile", StringComparison.Ordinal) == true;

    [GeneratedRegex(@"(?<scheme>https?)://(?<host>[A-Za-z0-9.-]+)(?::(?<port>\d+))?(?<rest>/[^\s""',\]]*)?")]
    private static partial Regex Url();

    [GeneratedRegex(@"(?<![\w/.:-])0\.0\.0\.0:(?<port>\d+)\b")]
    private static partial Regex ListenAddress();

    [GeneratedRegex(@"Host=(?<host>[A-Za-z0-9.-]+)")]
    private static partial Regex PostgresHost();
}
