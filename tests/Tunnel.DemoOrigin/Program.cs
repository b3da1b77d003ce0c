// A small origin for the quick start, the tests and the benchmark: a greeting, an echo, and bulk bytes.
using System.Buffers;

Tunnel.Shared.Hosting.HealthProbe.RunIfAsked(args); // the container health check: `probe URL`
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
builder.Services.AddGrpc();
builder.Services.AddSingleton<Tunnel.DemoOrigin.AccessAssertion>();
var app = builder.Build();
app.MapGrpcService<Tunnel.DemoOrigin.EchoService>();
app.UseWebSockets();

app.MapGet("/", (HttpContext ctx) => Results.Text(
    $"Hello from the Tunnel demo origin. You reached {ctx.Request.Host} through {ctx.Request.Headers["X-Forwarded-For"]}.\n"));

app.MapGet("/small", () => Results.Text("ok\n"));
app.MapGet("/healthz", () => Results.Text("ok\n"));

// Answers after a while: a slow origin, for requests in flight when something stops.
app.MapGet("/slow/{ms:int}", async (int ms, HttpContext ctx) =>
{
    await Task.Delay(ms, ctx.RequestAborted);
    return Results.Text("done\n");
});

// Held until `POST /release/{key}`: requests in flight for exactly as long as a test needs, whatever the machine's speed.
var holds = new System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource>();
TaskCompletionSource Hold(string key) => holds.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
app.MapGet("/hold/{key}", async (string key, HttpContext ctx) =>
{
    await Hold(key).Task.WaitAsync(ctx.RequestAborted);
    return Results.Text("released\n");
});
app.MapPost("/release/{key}", (string key) =>
{
    Hold(key).TrySetResult();
    return Results.Text("released\n");
});

// Who Access let through, verified from the signed assertion (the origin-side sample of AccessAssertion.cs).
app.MapGet("/whoami", async (HttpContext ctx, Tunnel.DemoOrigin.AccessAssertion assertion) =>
{
    var (claims, error) = await assertion.VerifyAsync(ctx.Request.Headers[Tunnel.DemoOrigin.AccessAssertion.Header]);
    return claims is { } c ? Results.Json(c) : Results.Text($"assertion refused: {error}\n", statusCode: 401);
});

// What the origin received, for the attack tests: the request target byte for byte, the path its router saw, headers.
// Under /admin and /public (matched case-insensitively, as ASP.NET Core routing does) and any method.
foreach (var area in new[] { "/admin", "/public" })
{
    app.Map(area + "/{**rest}", (HttpContext ctx) => Results.Json(new
    {
        target = ctx.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget,
        path = ctx.Request.Path.Value,
        headers = ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString()),
    }));
}

app.MapGet("/headers", (HttpContext ctx) =>
    Results.Json(ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString())));

// An origin that answers with the headers the edge marks its own pages with: the edge must not pass them on.
app.MapGet("/pose-as-edge", (HttpContext ctx) =>
{
    ctx.Response.Headers["X-Tunnel-Error"] = "no_connector";
    ctx.Response.Headers["X-Tunnel-Error-Detail"] = "written by the origin";
    return Results.Text("the origin's own page\n", statusCode: StatusCodes.Status503ServiceUnavailable);
});

// Echoes the body back byte for byte, streaming.
app.MapPost("/echo", async (HttpContext ctx) =>
{
    ctx.Response.ContentType = ctx.Request.ContentType ?? "application/octet-stream";
    if (ctx.Request.ContentLength is { } length)
    {
        ctx.Response.ContentLength = length;
    }

    await ctx.Request.Body.CopyToAsync(ctx.Response.Body, ctx.RequestAborted);
});

// Reads the whole body and answers its length and SHA-256, so uploads can be checked without echoing them.
app.MapPost("/sink", async (HttpContext ctx) =>
{
    using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
    var buffer = new byte[64 * 1024];
    long length = 0;
    int n;
    while ((n = await ctx.Request.Body.ReadAsync(buffer, ctx.RequestAborted)) > 0)
    {
        hash.AppendData(buffer, 0, n);
        length += n;
    }

    return Results.Text($"{length} {Convert.ToHexString(hash.GetHashAndReset())}");
});

// Promises `promised` bytes, sends `sent`, then drops the connection: a origin that dies mid-response.
app.MapGet("/abort/{sent:int}/{promised:int}", async (int sent, int promised, HttpContext ctx) =>
{
    ctx.Response.ContentLength = promised;
    await ctx.Response.Body.WriteAsync(new byte[sent], ctx.RequestAborted);
    await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
    ctx.Abort();
});

// N bytes of a repeating pattern (byte i = i % 251), so clients can check them without a copy.
app.MapGet("/bytes/{count:long}", async (long count, HttpContext ctx) =>
{
    ctx.Response.ContentType = "application/octet-stream";
    ctx.Response.ContentLength = count;
    var chunk = new byte[251 * 256];
    for (var i = 0; i < chunk.Length; i++)
    {
        chunk[i] = (byte)(i % 251);
    }

    for (long sent = 0; sent < count;)
    {
        var n = (int)Math.Min(chunk.Length, count - sent);
        await ctx.Response.Body.WriteAsync(chunk.AsMemory(0, n), ctx.RequestAborted);
        sent += n;
    }
});

// Echoes WebSocket messages until the client closes, then closes with the client's status.
app.Map("/ws", async (HttpContext ctx) =>
{
    if (!ctx.WebSockets.IsWebSocketRequest)
    {
        ctx.Response.StatusCode = StatusCodes.Status400BadRequest;
        return;
    }

    using var socket = await ctx.WebSockets.AcceptWebSocketAsync();
    var buffer = new byte[64 * 1024];
    while (true)
    {
        var result = await socket.ReceiveAsync(buffer, ctx.RequestAborted);
        if (result.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
        {
            await socket.CloseAsync(result.CloseStatus ?? System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, result.CloseStatusDescription, ctx.RequestAborted);
            return;
        }

        await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, ctx.RequestAborted);
    }
});

// Server-sent events: one event every `ms` milliseconds, `count` of them, each flushed as written.
app.MapGet("/sse", async (HttpContext ctx, int? count, int? ms) =>
{
    ctx.Response.ContentType = "text/event-stream";
    ctx.Response.Headers.CacheControl = "no-cache";
    for (var i = 0; i < (count ?? 5); i++)
    {
        await ctx.Response.WriteAsync($"id: {i}\ndata: {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}\n\n", ctx.RequestAborted);
        await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
        await Task.Delay(ms ?? 200, ctx.RequestAborted);
    }
});

// A webhook receiver that remembers what it got: the inspector's tests check that a replay reached the origin.
var webhooks = new System.Collections.Concurrent.ConcurrentQueue<string>();
app.MapPost("/webhook/{name}", async (string name, HttpContext ctx) =>
{
    using var reader = new StreamReader(ctx.Request.Body);
    webhooks.Enqueue($"{name} {await reader.ReadToEndAsync(ctx.RequestAborted)}");
    return Results.Json(new { received = true, name });
});
app.MapGet("/webhook/received", () => Results.Json(webhooks.ToArray()));

// JSON compressed by the origin itself (Content-Encoding: gzip), for a client or inspector to decode.
app.MapGet("/gzip", async (HttpContext ctx) =>
{
    ctx.Response.ContentType = "application/json";
    ctx.Response.Headers.ContentEncoding = "gzip";
    await using var gzip = new System.IO.Compression.GZipStream(ctx.Response.Body, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true);
    await gzip.WriteAsync(System.Text.Encoding.UTF8.GetBytes("{\"compressed\":true,\"items\":[1,2,3]}"), ctx.RequestAborted);
});

app.Run();
