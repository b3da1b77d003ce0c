using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tunnel.Connector.Cli;

/// <summary>
/// Source-generated JSON for the CLI: the API's answers are read as <see cref="JsonElement"/>s and request bodies
/// written as JSON nodes, so the connector's native (AOT) build needs no reflection.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(List<JsonElement>))]
internal sealed partial class CliJson : JsonSerializerContext;
