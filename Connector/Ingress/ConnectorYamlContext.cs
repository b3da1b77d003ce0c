using Tunnel.Shared.Ingress;
using YamlDotNet.Serialization;

namespace Tunnel.Connector.Ingress;

/// <summary>config.yml's types, generated at build time: the native (AOT) connector cannot read YAML by reflection.</summary>
[YamlStaticContext]
[YamlSerializable(typeof(ConnectorConfigFile))]
[YamlSerializable(typeof(ConnectorConfigFile.RuleEntry))]
[YamlSerializable(typeof(OriginRequest))]
public sealed partial class ConnectorYamlContext : StaticContext;
