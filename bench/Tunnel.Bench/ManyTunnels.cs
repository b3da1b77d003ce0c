using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Tunnel.Shared.Security;

/// <summary>
/// The many-tunnels cell: N tunnels created and routed through the REST API, one connector connection each from this
/// process, then the edge's memory per tunnel, a config push with N routed names, and request latency to random
/// tunnels (and, for reference, to one tunnel). Prints "key value" lines (bench/run.sh formats them); progress goes to stderr.
/// </summary>
internal static class ManyTunnels
{
    private const int ApiWorkers = 8;
    private const int ConnectWorkers = 32;
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(string apiUrl, string apiKey, string apiCa, Uri edgeUrl, string edgeCa, int publicPort,
        int edgePid, string metricsUrl, int count, int requests, int concurrency)
    {
        using var api = new ControlPlaneApi(apiUrl, apiKey, apiCa);
        using var edge = PublicClient(publicPort, concurrency);
        using var metrics = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Print("tunnels", count);

        // 1. Create and route every tunnel; the edge knows them all once the last-routed name stops answering 404.
        var tokens = new string[count];
        var lastRouted = "";
        var created = 0;
        var clock = Stopwatch.StartNew();
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = ApiWorkers }, async (i, _) =>
        {
            tokens[i] = await api.CreateTunnelAsync(Name(i));
            await api.RouteAsync(Name(i), Hostname(i));
            Volatile.Write(ref lastRouted, Hostname(i));
            if (Interlocked.Increment(ref created) % Math.Max(count / 10, 1) == 0)
            {
                Progress($"{created} of {count} tunnels created and routed ({clock.Elapsed.TotalSeconds:0} s)");
            }
        });
        Print("create_route_s", clock.Elapsed.TotalSeconds);
        clock.Restart();
        await UntilAsync(async () => await StatusAsync(edge, lastRouted) != HttpStatusCode.NotFound, TimeSpan.FromMinutes(5));
        Print("edge_config_s", clock.Elapsed.TotalSeconds);
        Progress($"{count} tunnels created and routed; the edge serves their names");

        // 2. Memory before any connection, after a quiet moment.
        await Task.Delay(TimeSpan.FromSeconds(5));
        var rssBefore = EdgeProcess.ResidentKb(edgePid);
        var heapBefore = await EdgeProcess.ManagedHeapKbAsync(metrics, metricsUrl);
        Print("rss_before_kb", rssBefore);

        // 3. One connection per tunnel, each on its own channel (TCP + TLS), as many at once as ConnectWorkers.
        var ca = new X509Certificate2Collection();
        ca.ImportFromPemFile(edgeCa);
        var connectors = new SelfAnsweringConnector[count];
        var failed = 0;
        var registered = 0;
        clock.Restart();
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = ConnectWorkers }, async (i, _) =>
        {
            TunnelToken.TryDecode(tokens[i], out var token, out string _);
            for (var attempt = 1; ; attempt++)
            {
                var connector = new SelfAnsweringConnector(token!, edgeUrl, ca);
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                    await connector.RegisterAsync(timeout.Token);
                    connectors[i] = connector;
                    if (Interlocked.Increment(ref registered) % Math.Max(count / 10, 1) == 0)
                    {
                        Progress($"{registered} of {count} connections registered ({clock.Elapsed.TotalSeconds:0} s)");
                    }

                    return;
                }
                catch (Exception ex) when (ex is Grpc.Core.RpcException or IOException or OperationCanceledException && attempt < 3)
                {
                    connector.Dispose();
                    Progress($"registration of {Name(i)} failed ({ex.Message}); again");
                    await Task.Delay(TimeSpan.FromSeconds(1));
                }
                catch (Exception ex) when (ex is Grpc.Core.RpcException or IOException or OperationCanceledException)
                {
                    connector.Dispose();
                    Interlocked.Increment(ref failed);
                    Progress($"registration of {Name(i)} failed: {ex.Message}");
                    return;
                }
            }
        });
        Print("register_s", clock.Elapsed.TotalSeconds);
        Print("register_failed", failed);
        Progress($"{count - failed} connections registered; idle {Idle.TotalSeconds:0} s");

        // 4. Memory with every tunnel connected and idle.
        await Task.Delay(Idle);
        var rssAfter = EdgeProcess.ResidentKb(edgePid);
        var heapAfter = await EdgeProcess.ManagedHeapKbAsync(metrics, metricsUrl);
        Print("rss_after_kb", rssAfter);
        Print("rss_kb_per_tunnel", (rssAfter - rssBefore) / (double)count);
        Print("heap_before_kb", heapBefore);
        Print("heap_after_kb", heapAfter);
        Print("heap_kb_per_tunnel", (heapAfter - heapBefore) / count);

        // 5. Every tunnel answers through the edge (its first request also sets up its upstream pool).
        clock.Restart();
        var firstPass = await LoadAsync(edge, Enumerable.Range(0, count).ToArray(), concurrency);
        Print("first_pass_s", clock.Elapsed.TotalSeconds);
        Print("first_pass_errors", firstPass.Errors);

        // 6. Config push with N routed names: a new name for tunnel 0, until the edge answers it with other than 404.
        var pushes = new List<double>();
        for (var k = 0; k < 3; k++)
        {
            var hostname = $"push{k}.many.localhost";
            if (await StatusAsync(edge, hostname) != HttpStatusCode.NotFound)
            {
                throw new IOException($"{hostname} answers before it is routed");
            }

            clock.Restart();
            await api.RouteAsync(Name(0), hostname);
            var routed = clock.Elapsed.TotalMilliseconds;
            await UntilAsync(async () => await StatusAsync(edge, hostname) != HttpStatusCode.NotFound, TimeSpan.FromMinutes(2));
            pushes.Add(clock.Elapsed.TotalMilliseconds);
            Progress($"push {k}: the API answered in {routed:0} ms, the edge served the name after {pushes[^1]:0} ms");
        }

        Print("push_ms", pushes.Order().ElementAt(pushes.Count / 2));
        Print("push_max_ms", pushes.Max());

        // 7. Latency of requests to random tunnels.
        var picks = Enumerable.Range(0, requests).Select(_ => Random.Shared.Next(count)).ToArray();
        clock.Restart();
        var load = await LoadAsync(edge, picks, concurrency);
        var seconds = clock.Elapsed.TotalSeconds;
        var sorted = load.Milliseconds.Order().ToArray();
        Print("requests", requests);
        Print("concurrency", concurrency);
        Print("rps", requests / seconds);
        Print("p50_ms", sorted[(sorted.Length - 1) / 2]);
        Print("p99_ms", sorted[(int)((sorted.Length - 1) * 0.99)]);
        Print("max_ms", sorted[^1]);
        Print("errors", load.Errors);

        // 8. For reference, the same load to one tunnel (after a pass that fills its upstream pool): what many tunnels cost.
        await LoadAsync(edge, new int[concurrency * 20], concurrency);
        clock.Restart();
        var single = await LoadAsync(edge, new int[requests], concurrency);
        seconds = clock.Elapsed.TotalSeconds;
        sorted = single.Milliseconds.Order().ToArray();
        Print("one_tunnel_rps", requests / seconds);
        Print("one_tunnel_p50_ms", sorted[(sorted.Length - 1) / 2]);
        Print("one_tunnel_p99_ms", sorted[(int)((sorted.Length - 1) * 0.99)]);
        Print("one_tunnel_errors", single.Errors);

        foreach (var connector in connectors)
        {
            connector?.Dispose();
        }

        return failed == 0 && firstPass.Errors == 0 && load.Errors == 0 && single.Errors == 0 ? 0 : 1;
    }

    private static string Name(int i) => $"many-{i:D5}";

    private static string Hostname(int i) => $"t{i:D5}.many.localhost";

    private static HttpClient PublicClient(int port, int concurrency) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = concurrency,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        UseProxy = false,
        AllowAutoRedirect = false,
    })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{port}/"),
        Timeout = TimeSpan.FromSeconds(60),
    };

    private static async Task<HttpStatusCode> StatusAsync(HttpClient edge, string hostname)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = hostname;
        using var response = await edge.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response.StatusCode;
    }

    /// <summary>Requests to the given tunnels, <paramref name="concurrency"/> at a time: each one's time, and the non-200 count.</summary>
    private static async Task<(double[] Milliseconds, int Errors)> LoadAsync(HttpClient edge, int[] tunnels, int concurrency)
    {
        var times = new double[tunnels.Length];
        var errors = 0;
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < tunnels.Length)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    if (await StatusAsync(edge, Hostname(tunnels[i])) != HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }

                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        })));
        return (times, errors);
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan limit)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > limit)
            {
                throw new TimeoutException($"not so within {limit.TotalSeconds:0} s");
            }

            await Task.Delay(5);
        }
    }

    private static void Print(string key, double value) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key} {value:0.###}"));

    private static void Progress(string message) => Console.Error.WriteLine($"many-tunnels: {message}");
}
