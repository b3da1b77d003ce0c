using System.Text.Json;
using System.Text.Json.Serialization;
using Tunnel.Shared.Ingress;
using Tunnel.Shared.Security;

namespace Tunnel.Shared.Serialization;

/// <summary>
/// Source-generated JSON for what the connector reads and writes (its token, ingress rules): the connector ships as
/// a native (AOT) binary, where reflection-based serialization is not available. Same options as
/// <see cref="IngressJson"/>'s (web defaults, nulls left out).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TunnelToken))]
[JsonSerializable(typeof(List<IngressRuleSpec>))]
public sealed partial class SharedJsonContext : JsonSerializerContext;
