using Tunnel.Shared.Ingress;
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
        var (specs, defaults) = LoadSpecs(path);
        if (defaults?.Error() is { } error)
        {
            throw new IngressException($"originRequest: {error}");
        }

        return IngressRuleSet.Validate(specs, defaults);
    }

    /// <summary>The file's rules with its top-level originRequest folded into each, as the control plane stores them.</summary>
    public static List<IngressRuleSpec> LoadSpecsForUpload(string path)
    {
        var (specs, defaults) = LoadSpecs(path);
        return defaults is null ? specs : specs.Select(s => s with { OriginRequest = (s.OriginRequest ?? OriginRequest.Default).Over(defaults) }).ToList();
    }

    private static (List<IngressRuleSpec> Specs, OriginRequest? Defaults) LoadSpecs(string path)
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

        return ((config?.Ingress ?? []).Select(r => new IngressRuleSpec(r.Hostname, r.Path, r.Service, r.OriginRequest)).ToList(), config?.OriginRequest);
    }
}
