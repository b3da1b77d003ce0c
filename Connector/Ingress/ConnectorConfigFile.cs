using System.Text.RegularExpressions;
using Tunnel.Shared.Ingress;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Tunnel.Connector.Ingress;

/// <summary>
/// cloudflared-style config.yml: `ingress:` rules of hostname, path and service. Strict: an unknown key is an error
/// with its line, because a misspelt `hostname:` that is dropped turns a rule into a catch-all. The process-level
/// keys of a cloudflared file are accepted and ignored (this connector takes them as flags), so such files load as is.
/// </summary>
public sealed partial class ConnectorConfigFile
{
    public string? Tunnel { get; set; }

    // cloudflared's process settings: read and ignored (credentials come from --token; the rest are flags here).
    public object? CredentialsFile { get; set; }

    public object? Logfile { get; set; }

    public object? Loglevel { get; set; }

    public object? Metrics { get; set; }

    public object? Protocol { get; set; }

    public object? NoAutoupdate { get; set; }

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
            var deserializer = new StaticDeserializerBuilder(new ConnectorYamlContext())
                .WithNamingConvention(HyphenatedNamingConvention.Instance)
                .Build();
            config = deserializer.Deserialize<ConnectorConfigFile>(File.ReadAllText(path));
        }
        catch (YamlException ex) when (UnknownKey().Match(ex.Message) is { Success: true } unknown)
        {
            throw new IngressException($"config file {path} line {ex.Start.Line}, column {ex.Start.Column}: unknown key '{unknown.Groups["key"].Value}' "
                + KnownKeys(unknown.Groups["type"].Value) + "; check its spelling");
        }
        catch (YamlException ex)
        {
            throw new IngressException($"config file {path} is not valid YAML at line {ex.Start.Line}, column {ex.Start.Column}: {ex.InnerException?.Message ?? ex.Message}");
        }

        return ((config?.Ingress ?? []).Select(r => new IngressRuleSpec(r.Hostname, r.Path, r.Service, r.OriginRequest)).ToList(), config?.OriginRequest);
    }

    private static string KnownKeys(string type) => type switch
    {
        _ when type.EndsWith("RuleEntry", StringComparison.Ordinal) => "in an ingress rule (a rule takes hostname, path, service, originRequest)",
        _ when type.EndsWith("OriginRequest", StringComparison.Ordinal) =>
            "in originRequest (supported: noTLSVerify, originServerName, caPool, httpHostHeader, connectTimeout; other cloudflared settings are not)",
        _ => "at the top level (this file takes ingress, originRequest, tunnel, and cloudflared's credentials-file, logfile, loglevel, metrics, protocol, no-autoupdate)",
    };

    [GeneratedRegex(@"Property '(?<key>[^']*)' not found on type '(?<type>[^']*)'")]
    private static partial Regex UnknownKey();
}
