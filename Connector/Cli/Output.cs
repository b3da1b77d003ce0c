using System.CommandLine;
using System.Text.Json;

namespace Tunnel.Connector.Cli;

/// <summary>--output json prints what the API returned, indented; table prints the columns a person reads.</summary>
public static class Output
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void Print(ParseResult parse, JsonElement value, Action<JsonElement> table)
    {
        if (parse.GetValue(CommonOptions.Output) == "json")
        {
            Console.WriteLine(JsonSerializer.Serialize(value, Indented));
        }
        else
        {
            table(value);
        }
    }

    public static void PrintList(ParseResult parse, List<JsonElement> items, string header, Func<JsonElement, string> row) =>
        Print(parse, JsonSerializer.SerializeToElement(items), _ =>
        {
            Console.WriteLine(header);
            foreach (var item in items)
            {
                Console.WriteLine(row(item));
            }
        });

    public static string Text(this JsonElement e, string property) =>
        e.TryGetProperty(property, out var p) && p.ValueKind != JsonValueKind.Null ? p.ToString() : "-";

    public static string Time(this JsonElement e, string property) =>
        e.TryGetProperty(property, out var p) && p.ValueKind == JsonValueKind.String
            ? p.GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)
            : "-";

    public static string Join(this JsonElement e, string property) =>
        e.TryGetProperty(property, out var p) && p.ValueKind == JsonValueKind.Array ? string.Join(",", p.EnumerateArray().Select(x => x.ToString())) : "";
}
