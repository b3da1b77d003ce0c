using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tunnel.Connector.Cli;

/// <summary>
/// `tunnel inspect` and `tunnel replay`: the traffic inspector from the terminal. Turn capture on and off, follow
/// requests as they come, show one in full, replay one (edited in $EDITOR if asked).
/// </summary>
public static class InspectCommands
{
    public static Command Inspect()
    {
        var name = new Argument<string>("NAME") { Description = "Tunnel name (or id)" };
        var enable = new Option<bool>("--enable") { Description = "Turn capture on (admins)" };
        var disable = new Option<bool>("--disable") { Description = "Turn capture off at once (admins); what was captured stays until it ages out" };
        var bodyLimit = new Option<long?>("--body-limit") { Description = "Body bytes kept per request and per response (default 1048576, at most 4 MiB)" };
        var maxRequests = new Option<int?>("--max-requests") { Description = "Requests kept for the tunnel; the oldest go first (default 1000)" };
        var retention = new Option<string?>("--retention") { Description = "How long captures are kept: 12h, 7d (default 1d)" };
        var full = new Option<bool?>("--full-capture") { Description = "true: store credentials as sent (audited); false: mask them (the default)" };
        var hostnames = new Option<string[]>("--hostname") { Description = "Capture only these routed hostnames (repeat; --hostname '' for all)", AllowMultipleArgumentsPerToken = false };
        var redactHeaders = new Option<string[]>("--redact-header") { Description = "Also mask this header (repeat)" };
        var redactFields = new Option<string[]>("--redact-field") { Description = "Also mask this JSON or form field, at any depth (repeat)" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Print one line per request as it comes, until Ctrl+C" };
        var show = new Option<long?>("--show") { Description = "Print one captured request in full, by its id" };
        var method = new Option<string?>("--method") { Description = "Only this method (list, --follow)" };
        var status = new Option<string?>("--status") { Description = "Only this status class: 2xx, 4xx, ... (list, --follow)" };
        var path = new Option<string?>("--path") { Description = "Only paths containing this (list, --follow)" };

        var command = new Command("inspect", "The traffic inspector: capture a tunnel's requests, follow them, show one")
        {
            name, enable, disable, bodyLimit, maxRequests, retention, full, hostnames, redactHeaders, redactFields, follow, show, method, status, path,
        };
        command.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var tunnel = Uri.EscapeDataString(parse.GetValue(name)!);
            if (parse.GetValue(show) is { } id)
            {
                var capture = await api.GetAsync($"api/captures/{id}", ct);
                Output.Print(parse, capture, PrintCapture);
                return 0;
            }

            var change = new JsonObject();
            if (parse.GetValue(enable) && parse.GetValue(disable))
            {
                throw new CliException("--enable and --disable contradict each other: give one");
            }

            if (parse.GetValue(enable) || parse.GetValue(disable))
            {
                change["enabled"] = parse.GetValue(enable);
            }

            if (parse.GetValue(bodyLimit) is { } limit)
            {
                change["bodyLimitBytes"] = limit;
            }

            if (parse.GetValue(maxRequests) is { } max)
            {
                change["maxRequests"] = max;
            }

            if (parse.GetValue(retention) is { } keep)
            {
                change["retention"] = keep;
            }

            if (parse.GetValue(full) is { } fullCapture)
            {
                change["full"] = fullCapture;
            }

            AddList(parse, hostnames, "hostnames", change);
            AddList(parse, redactHeaders, "redactHeaders", change);
            AddList(parse, redactFields, "redactFields", change);
            if (change.Count > 0)
            {
                var settings = await api.PutAsync($"api/tunnels/{tunnel}/inspection", change, ct);
                Output.Print(parse, settings, s => PrintSettings(parse.GetValue(name)!, s));
                if (!parse.GetValue(follow))
                {
                    return 0;
                }
            }

            var filter = Filter(parse.GetValue(method), parse.GetValue(status), parse.GetValue(path));
            if (parse.GetValue(follow))
            {
                await FollowAsync(api, tunnel, filter, ct);
                return 0;
            }

            var list = await api.GetAsync($"api/tunnels/{tunnel}/captures?limit=20{filter}", ct);
            Output.Print(parse, list, l =>
            {
                PrintSettings(parse.GetValue(name)!, l.GetProperty("settings"));
                Console.WriteLine();
                foreach (var item in l.GetProperty("items").EnumerateArray().Reverse())
                {
                    Console.WriteLine(Line(item));
                }
            });
            return 0;
        });
        return command;
    }

    public static Command Replay()
    {
        var id = new Argument<long>("ID") { Description = "The captured request's id (tunnel inspect NAME lists them)" };
        var edit = new Option<bool>("--edit") { Description = "Edit the request in $EDITOR first (method, path, headers, body)" };
        var bypass = new Option<bool>("--bypass-access") { Description = "Replay past the Access gate (admins; still through the edge's routing and limits)" };
        var command = new Command("replay", "Send a captured request again through the edge, as captured or edited") { id, edit, bypass };
        command.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var request = new JsonObject { ["bypassAccess"] = parse.GetValue(bypass) };
            if (parse.GetValue(edit))
            {
                var capture = await api.GetAsync($"api/captures/{parse.GetValue(id)}", ct);
                var edited = await EditAsync(capture, ct);
                foreach (var (key, value) in edited.ToList())
                {
                    edited.Remove(key); // a node has one parent
                    request[key] = value;
                }
            }

            var result = await api.PostAsync($"api/captures/{parse.GetValue(id)}/replay", request, ct);
            Output.Print(parse, result, r =>
            {
                var captured = r.TryGetProperty("id", out var c) && c.ValueKind == JsonValueKind.Number ? $"; its capture is {c}" : "";
                Console.WriteLine($"Replayed capture {parse.GetValue(id)} {r.Text("via")}: {r.Text("status")} in {r.GetProperty("durationMs").GetDouble():0.#} ms{captured}");
                foreach (var note in r.GetProperty("notes").EnumerateArray())
                {
                    Console.WriteLine($"  note: {note.GetString()}");
                }
            });
            return 0;
        });
        return command;
    }

    private static void AddList(ParseResult parse, Option<string[]> option, string key, JsonObject change)
    {
        if (parse.GetResult(option) is not null)
        {
            change[key] = new JsonArray((parse.GetValue(option) ?? []).Where(v => v.Length > 0).Select(v => (JsonNode?)v).ToArray());
        }
    }

    private static string Filter(string? method, string? status, string? path) =>
        (method is null ? "" : $"&method={Uri.EscapeDataString(method)}") + (status is null ? "" : $"&status={Uri.EscapeDataString(status)}")
        + (path is null ? "" : $"&path={Uri.EscapeDataString(path)}");

    private static async Task FollowAsync(ControlPlaneApiClient api, string tunnel, string filter, CancellationToken ct)
    {
        var first = await api.GetAsync($"api/tunnels/{tunnel}/captures?limit=1{filter}", ct);
        if (!first.GetProperty("settings").GetProperty("enabled").GetBoolean())
        {
            Console.Error.WriteLine($"note: capture is off for this tunnel; turn it on with: tunnel inspect {Uri.UnescapeDataString(tunnel)} --enable");
        }

        var last = first.GetProperty("newest").GetInt64();
        Console.WriteLine($"{"TIME",-12}  {"METHOD",-7} {"STATUS",6} {"DURATION",10}  {"ID",6}  PATH");
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var page = await api.GetAsync($"api/tunnels/{tunnel}/captures?after={last}&limit=500{filter}", ct);
                foreach (var item in page.GetProperty("items").EnumerateArray().Reverse())
                {
                    Console.WriteLine(Line(item));
                }

                last = Math.Max(last, page.GetProperty("newest").GetInt64());

                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private static string Line(JsonElement item)
    {
        var at = item.GetProperty("at").GetDateTimeOffset().ToLocalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
        var replay = item.TryGetProperty("replayOf", out var r) && r.ValueKind == JsonValueKind.String ? "  (replay)" : "";
        return Safe($"{at,-12}  {item.Text("method"),-7} {item.Text("status"),6} {item.GetProperty("durationMs").GetDouble(),8:0.0}ms  {item.Text("id"),6}  {item.Text("path")}{replay}");
    }

    private static void PrintSettings(string tunnel, JsonElement s)
    {
        if (!s.GetProperty("enabled").GetBoolean())
        {
            Console.WriteLine($"Capture is off for {tunnel}.");
            return;
        }

        var hosts = s.Join("hostnames");
        Console.WriteLine($"Capture is on for {tunnel}{(hosts.Length > 0 ? $" ({hosts})" : "")}: bodies up to {s.Text("bodyLimitBytes")} bytes, "
            + $"the last {s.Text("maxRequests")} requests for {s.Text("retention")}, "
            + (s.GetProperty("full").GetBoolean() ? "FULL capture (credentials stored as sent)" : "credentials masked")
            + (s.GetProperty("dropped").GetInt64() > 0 ? $"; {s.Text("dropped")} dropped (edge queue full)" : "") + ".");
    }

    private static void PrintCapture(JsonElement c)
    {
        Console.WriteLine(Safe($"Capture {c.Text("id")}  {c.Text("method")} {c.Text("url")}  {c.Text("httpVersion")}"));
        Console.WriteLine(Safe($"  at {c.Time("at")} UTC from {c.Text("clientAddress")}{(c.Text("identity") is { Length: > 1 } who ? $" as {who}" : "")}"));
        var firstByte = c.TryGetProperty("firstByteMs", out var fb) && fb.ValueKind == JsonValueKind.Number ? $", first byte {fb.GetDouble():0.#} ms" : "";
        Console.WriteLine($"  {c.Text("status")} in {c.GetProperty("durationMs").GetDouble():0.#} ms{firstByte}; {c.Text("kind")}; edge {c.Text("edgeId")}"
            + $", connector {Or(c.Text("connectorId"), "?")} on edge {Or(c.Text("servedByEdge"), "?")}; request id {c.Text("requestId")}{(c.Text("traceId") is { Length: > 1 } trace ? $", trace {trace}" : "")}");
        if (c.TryGetProperty("replayOfId", out var of) && of.ValueKind == JsonValueKind.Number)
        {
            Console.WriteLine($"  a replay of capture {of}");
        }

        if (c.GetProperty("replays").GetArrayLength() > 0)
        {
            Console.WriteLine($"  replayed as: {c.Join("replays")}");
        }

        Console.WriteLine();
        PrintMessage(">", c.GetProperty("request"));
        Console.WriteLine();
        PrintMessage("<", c.GetProperty("response"));
    }

    private static void PrintMessage(string arrow, JsonElement message)
    {
        foreach (var h in message.GetProperty("headers").EnumerateArray())
        {
            Console.WriteLine(Safe($"{arrow} {h[0].GetString()}: {h[1].GetString()}"));
        }

        var body = message.GetProperty("body");
        if (body.Text("format") == "empty" && body.GetProperty("size").GetInt64() == 0)
        {
            return;
        }

        Console.WriteLine();
        Console.WriteLine(Safe(body.Text("text")));
        var notes = new List<string>();
        if (body.Text("decodedFrom") is { Length: > 1 } encoding)
        {
            notes.Add($"decoded from {encoding}");
        }

        if (body.GetProperty("truncated").GetBoolean())
        {
            notes.Add($"only the first {body.Text("kept")} bytes kept of {body.Text("size")}");
        }

        if (notes.Count > 0)
        {
            Console.WriteLine($"({string.Join("; ", notes)})");
        }
    }

    private static string Or(string value, string fallback) => value is "-" or "" ? fallback : value;

    /// <summary>Captured text comes from the Internet: control characters (terminal escapes) are shown, not sent to the terminal.</summary>
    public static string Safe(string text) =>
        text.Any(ch => char.IsControl(ch) && ch is not ('\n' or '\t'))
            ? string.Concat(text.Select(ch => char.IsControl(ch) && ch is not ('\n' or '\t') ? $"\\x{(int)ch:x2}" : ch.ToString()))
            : text;

    /// <summary>Writes the request as text, opens $VISUAL or $EDITOR on it, and reads back what to send.</summary>
    private static async Task<JsonObject> EditAsync(JsonElement capture, CancellationToken ct)
    {
        var request = capture.GetProperty("request");
        var body = request.GetProperty("body");
        if (body.Text("format") == "hex")
        {
            throw new CliException("this request's body is binary: it cannot be edited as text. Replay it without --edit, or send your own with curl.");
        }

        var path = new Uri(capture.GetProperty("url").GetString()!).PathAndQuery;
        var text = new StringBuilder();
        text.Append($"{capture.Text("method")} {path}\n");
        text.Append("# Headers below, one per line; lines starting with # are not sent. A blank line, then the body.\n");
        foreach (var h in request.GetProperty("headers").EnumerateArray())
        {
            var line = $"{h[0].GetString()}: {h[1].GetString()}";
            var masked = line.Contains("[redacted]", StringComparison.Ordinal);
            if (h[0].GetString() is { } n && (n.StartsWith(':') || n.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || n.Equals("Host", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            text.Append(masked ? $"# {line}   (masked when captured: write the value and remove the #)\n" : line + "\n");
        }

        text.Append('\n');
        // The body as sent (JSON not re-indented): the raw text is in the HAR export; here pretty JSON is fine to send.
        text.Append(body.Text("format") is "empty" ? "" : body.GetProperty("text").GetString()).Append('\n');
        // A directory of our own (0700), a file only we read: it may hold what full capture stored.
        var directory = Directory.CreateTempSubdirectory("tunnel-replay-");
        var file = Path.Combine(directory.FullName, $"request-{capture.Text("id")}.http");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var stream = new FileStream(file, options))
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), ct);
        }

        try
        {
            var editor = Environment.GetEnvironmentVariable("VISUAL") is { Length: > 0 } visual ? visual
                : Environment.GetEnvironmentVariable("EDITOR") is { Length: > 0 } e ? e : "vi";
            var parts = editor.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var start = new ProcessStartInfo(parts[0]) { UseShellExecute = false };
            foreach (var arg in parts.Skip(1))
            {
                start.ArgumentList.Add(arg);
            }

            start.ArgumentList.Add(file);
            using var process = Process.Start(start) ?? throw new CliException($"could not start the editor '{editor}': set EDITOR to one that is installed");
            await process.WaitForExitAsync(ct);
            if (process.ExitCode != 0)
            {
                throw new CliException($"the editor '{editor}' exited with {process.ExitCode}: nothing was replayed");
            }

            return Parse(await File.ReadAllTextAsync(file, ct));
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new CliException($"could not start the editor '{ex.Message}': set EDITOR (or VISUAL) to an editor that is installed");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>"METHOD /path", header lines, a blank line, the body (the newline editors add at its end is not part of it).</summary>
    public static JsonObject Parse(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        var first = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (first.Length < 2)
        {
            throw new CliException($"the first line must be METHOD /path (e.g. POST /hook); it is '{lines[0]}'. Nothing was replayed.");
        }

        var headers = new JsonArray();
        var i = 1;
        for (; i < lines.Length && lines[i].Length > 0; i++)
        {
            if (lines[i].StartsWith('#'))
            {
                continue;
            }

            var colon = lines[i].IndexOf(':');
            if (colon <= 0)
            {
                throw new CliException($"line {i + 1} is not a header (Name: value): '{lines[i]}'. Nothing was replayed.");
            }

            headers.Add((JsonNode)new JsonArray(lines[i][..colon].Trim(), lines[i][(colon + 1)..].Trim()));
        }

        var body = i + 1 < lines.Length ? string.Join('\n', lines[(i + 1)..]) : "";
        if (body.EndsWith('\n'))
        {
            body = body[..^1];
        }

        return new JsonObject { ["method"] = first[0], ["path"] = first[1], ["headers"] = headers, ["body"] = body };
    }
}
