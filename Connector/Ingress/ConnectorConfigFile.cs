using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Tunnel.Connector.Ingress;

/// <summary>cloudflared-style config.yml: `ingress:` rules of hostname, path and service.</summary>
public sealed class ConnectorConfigFile
{
    public string? Tunnel { get; set; }

    [YamlMember(Alias = "originRequest", ApplyNamingConventions = false)]
    public OriginRequest? OriginRequest { get; set; }

    public List<RuleEntry> Ingress { get; set; } = [];

    public sealed class RuleEntry
    {
        public string? Hostname { get; set; }
        public string? Path { get; set; }
        public string? Service { get; set; }

        [YamlMember(Alias = "originRequest", ApplyNamingConventions = false)]
        public OriginRequest? OriginRequest { get; set; }
    }

    public static IngressRuleSet LoadRules(string path)
    {
        if (!File.Exists(path))
        {
            throw new IngressException($"config file {path} does not exist");
        }

        ConnectorConfigFile? config;
        try
        {
            var deserializer = new DeserializerBuilder()
                .WithNamingConvention(HyphenatedNamingConvention.Instance)
                .IgnoreUnmatchedProperties()
                .Build();
            config = deserializer.Deserialize<ConnectorConfigFile>(File.ReadAllText(path));
        }
        catch (YamlException ex)
        {
            throw new IngressException($"config file {path} is not valid YAML at line {ex.Start.Line}, column {ex.Start.Column}: {ex.InnerException?.Message ?? ex.Message}");
        }

        var specs = (config?.Ingress ?? []).Select(r => new IngressRuleSpec(r.Hostname, r.Path, r.Service, r.OriginRequest)).ToList();
        if (config?.OriginRequest?.Error() is { } error)
        {
            throw new IngressException($"originRequest: {error}");
        }

        return IngressRuleSet.Validate(specs, config?.OriginRequest);
    }
}
