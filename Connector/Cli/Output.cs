using System.CommandLine;
using System.Text.Json;

namespace Tunnel.Connector.Cli;

/// <summary>--output json prints what the API returned, indented; table prints the columns a person reads.</summary>
public static class Output
{
    private static readonly JsonSerializerOptions Indented = new(CliJson.Default.Options) { WriteIndented = true };

    public static void Print(ParseResult parse, JsonElement value, Action<JsonElement> table)
    {
        if (parse.GetValue(CommonOptions.Output) == "json")
        {
            Console.WriteLine(JsonSerializer.Serialize(value, Indented.GetTypeInfo(typeof(JsonElement))));
        }
        else
        {
            table(value);
        }
    }

    public static void PrintList(ParseResult parse, List<JsonElement> items, string header, Func<JsonElement, string> row) =>
        Print(parse, JsonSerializer.SerializeToElement(items, CliJson.Default.ListJsonElement), _ =>
        {
            Console.WriteLine(header);
            foreach (var item in items)
            {
                Console.WriteLine(row(item));
            }
        });

    public static string Text(this JsonElement e, string property) =>
        e.TryGetProperty(property, out var p) && p.ValueKind != JsonValueKind.Null ? p.ToString() : "-";

    /// <summary>The time in UTC, or <paramref name="none"/> when the API sent none (e.g. "never" for an expiry).</summary>
    public static string Time(this JsonElement e, string property, string none = "-") =>
        e.TryGetProperty(property, out var p) && p.ValueKind == JsonValueKind.String
            ? p.GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)
            : none;

    /// <summary>revoked, expired (its expiry passed: the control plane refuses it) or active; for API and service tokens.</summary>
    public static string TokenStatus(this JsonElement e) =>
        e.Text("revokedAt") != "-" ? "revoked"
        : e.TryGetProperty("expiresAt", out var p) && p.ValueKind == JsonValueKind.String && p.GetDateTimeOffset() <= DateTimeOffset.UtcNow ? "expired"
        : "active";

    public static string Join(this JsonElement e, string property) =>
        e.TryGetProperty(property, out var p) && p.ValueKind == JsonValueKind.Array ? string.Join(",", p.EnumerateArray().Select(x => x.ToString())) : "";
}
