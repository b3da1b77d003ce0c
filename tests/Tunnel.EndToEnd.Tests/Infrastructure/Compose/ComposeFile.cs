using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Tunnel.EndToEnd.Tests.Infrastructure.Compose;

/// <summary>A volume or bind mount of a service: a named volume (Source is its name) or a path of the repository.</summary>
public sealed record ComposeMount(string Source, string Target, bool IsBind);

/// <summary>A dependency of a service and what it waits for: service_started, service_healthy, service_completed_successfully.</summary>
public sealed record ComposeDependency(string Service, string Condition);

/// <summary>What a service of docker-compose.yml says, with ${VARIABLES} interpolated as `docker compose` would.</summary>
public sealed record ComposeService(
    string Name,
    string? Image,
    DockerImage? Built,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<ComposeMount> Mounts,
    IReadOnlyList<string>? Entrypoint,
    IReadOnlyList<ComposeDependency> DependsOn,
    IReadOnlyList<string> Aliases,
    IReadOnlyList<int> PublishedContainerPorts,
    string Restart,
    IReadOnlyList<string>? HealthCheck)
{
    /// <summary>The health check compose runs: the service's own, else its image's; none when disabled.</summary>
    public IReadOnlyList<string>? EffectiveHealthCheck => HealthCheck is { Count: 0 } ? null : HealthCheck ?? Built?.HealthCheck;
}

/// <summary>
/// Reads docker-compose.yml the way `docker compose config` does for the parts this project uses: services, merge
/// keys (&lt;&lt;: *anchor), environment maps, volumes, entrypoints, depends_on, network aliases, published ports, and
/// ${NAME}, ${NAME:-default}, ${NAME:?error} interpolation.
/// </summary>
public static partial class ComposeFile
{
    public static string Path => System.IO.Path.Combine(Binaries.RepoRoot, "docker-compose.yml");

    public static IReadOnlyList<ComposeService> Read(IReadOnlyDictionary<string, string> variables)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path)));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var services = (YamlMappingNode)root["services"];
        // Services in a profile (docker compose --profile X) are not started by a plain `up`.
        return services.Children
            .Where(s => Get((YamlMappingNode)s.Value, "profiles") is null)
            .Select(s => ReadService(((YamlScalarNode)s.Key).Value!, (YamlMappingNode)s.Value, variables)).ToList();
    }

    private static ComposeService ReadService(string name, YamlMappingNode node, IReadOnlyDictionary<string, string> variables)
    {
        string I(string s) => Interpolate(s, variables, name);
        var build = Get(node, "build") as YamlMappingNode;
        var dockerfile = build is null ? null : Scalar(Get(build, "dockerfile")) ?? "Dockerfile";
        var environment = Map(Get(node, "environment")).ToDictionary(kv => kv.Key, kv => I(kv.Value));
        var mounts = Sequence(Get(node, "volumes")).Select(v =>
        {
            var parts = I(v).Split(':');
            var isBind = parts[0].StartsWith('.') || parts[0].StartsWith('/');
            return new ComposeMount(parts[0], parts[1], isBind);
        }).ToList();
        var entrypoint = Get(node, "entrypoint") is { } e ? Sequence(e).Select(I).ToList() : null;
        var dependsOn = Get(node, "depends_on") switch
        {
            YamlMappingNode m => m.Children.Select(c => new ComposeDependency(((YamlScalarNode)c.Key).Value!,
                Scalar(Get((YamlMappingNode)c.Value, "condition")) ?? "service_started")).ToList(),
            { } s => Sequence(s).Select(d => new ComposeDependency(d, "service_started")).ToList(),
            null => [],
        };
        var hc = Get(node, "healthcheck") as YamlMappingNode;
        var test = hc is null ? null : Sequence(Get(hc, "test")).Select(I).ToList();
        IReadOnlyList<string>? healthCheck = test switch
        {
            ["CMD-SHELL", var shell] => ["sh", "-c", shell],
            ["CMD", .. var exec] => exec,
            ["NONE"] => [],
            _ when hc is not null && Scalar(Get(hc, "disable")) == "true" => [],
            _ => null,
        };
        var aliases = Get(node, "networks") is YamlMappingNode networks
            ? networks.Children.Values.OfType<YamlMappingNode>().SelectMany(n => Sequence(Get(n, "aliases"))).ToList()
            : [];
        var published = Sequence(Get(node, "ports")).Select(p => int.Parse(I(p).Split(':')[^1].Split('/')[0], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        return new ComposeService(name, Scalar(Get(node, "image")), dockerfile is null ? null : DockerImage.Read(dockerfile),
            environment, mounts, entrypoint, dependsOn, aliases, published, Scalar(Get(node, "restart")) ?? "no", healthCheck);
    }

    /// <summary>A key of a mapping, looking through merge keys (&lt;&lt;: *anchor) as YAML 1.1 defines them.</summary>
    private static YamlNode? Get(YamlMappingNode node, string key)
    {
        if (node.Children.TryGetValue(new YamlScalarNode(key), out var value))
        {
            return value;
        }

        return node.Children.TryGetValue(new YamlScalarNode("<<"), out var merged) && merged is YamlMappingNode parent ? Get(parent, key) : null;
    }

    private static string? Scalar(YamlNode? node) => (node as YamlScalarNode)?.Value;

    private static IEnumerable<string> Sequence(YamlNode? node) => node switch
    {
        YamlSequenceNode s => s.Children.Select(c => ((YamlScalarNode)c).Value!),
        YamlScalarNode s => [s.Value!],
        _ => [],
    };

    private static IEnumerable<KeyValuePair<string, string>> Map(YamlNode? node) => node switch
    {
        YamlMappingNode m => m.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, ((YamlScalarNode)c.Value).Value ?? "")),
        YamlSequenceNode s => s.Children.Select(c => ((YamlScalarNode)c).Value!.Split('=', 2)).Select(p => KeyValuePair.Create(p[0], p.Length > 1 ? p[1] : "")),
        _ => [],
    };

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?<op>:-|:\?|-|\?)(?<arg>[^}]*))?\}")]
    private static partial Regex Variable();

    private static string Interpolate(string value, IReadOnlyDictionary<string, string> variables, string service) =>
        Variable().Replace(value, m =>
        {
            var set = variables.TryGetValue(m.Groups["name"].Value, out var v);
            var empty = !set || v!.Length == 0;
            return m.Groups["op"].Value switch
            {
                ":-" => empty ? m.Groups["arg"].Value : v!,
                "-" => set ? v! : m.Groups["arg"].Value,
                ":?" when empty => throw new InvalidOperationException($"{service}: {m.Groups["name"].Value} is required: {m.Groups["arg"].Value}"),
                "?" when !set => throw new InvalidOperationException($"{service}: {m.Groups["name"].Value} is required: {m.Groups["arg"].Value}"),
                _ => v ?? "",
            };
        }).Replace("$$", "$");
}
