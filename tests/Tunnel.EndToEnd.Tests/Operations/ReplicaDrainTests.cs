using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Tunnel.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tunnel.EndToEnd.Tests.Operations;

/// <summary>
/// Two connector replicas restarted one after the other under steady load: no request may fail. A stopping replica
/// finishes what is in flight and ends its kept-alive streams between requests (see StreamActivity), so the edge's
/// HTTP client moves to the other replica; resetting them instead loses a request now and then, and cutting in-flight
/// streams on SIGTERM loses dozens.
/// </summary>
public class ReplicaDrainTests(SqliteStackFixture fixture, ITestOutputHelper output) : IClassFixture<SqliteStackFixture>
{
    private TunnelStack Stack => fixture.Stack;

    private async Task WaitConnectionsAsync(string tunnel, int count) =>
        await Eventually.Until(() => Stack.Api.GetFromJsonAsync<JsonElement[]>($"api/tunnels/{tunnel}/connections"),
            c => c!.Length == count, TimeSpan.FromSeconds(20), $"{count} connections");

    [Fact]
    public async Task Restarting_each_of_two_replicas_under_load_loses_no_request()
    {
        var (name, hostname, token) = await Stack.NewRoutedTunnelAsync();
        TestProcess Start(string id) => Stack.StartConnector(token, "--connector-id", id, "--grace-period", "15s");
        var a = Start("replica-a");
        var b = Start("replica-b");
        await Stack.WaitServedAsync(hostname);
        await WaitConnectionsAsync(name, 8);

        using var stop = new CancellationTokenSource();
        long ok = 0, failed = 0;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var load = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            using var client = Stack.PublicClient();
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                // Small requests and some that take a while to stream, so replicas stop with requests in flight.
                var path = i % 10 == 0 ? "/bytes/2000000" : "/small";
                try
                {
                    using var response = await client.GetAsync(Stack.PublicUrl(hostname, path));
                    var body = await response.Content.ReadAsByteArrayAsync();
                    if (response.StatusCode == HttpStatusCode.OK && (path == "/small" || body.Length == 2_000_000))
                    {
                        Interlocked.Increment(ref ok);
                    }
                    else
                    {
                        Interlocked.Increment(ref failed);
                        failures.Enqueue($"{path}: {(int)response.StatusCode} {body.Length} bytes");
                    }
                }
                catch (Exception ex)
                {
                    Interlocked.Increment(ref failed);
                    failures.Enqueue($"{path}: {ex.GetBaseException().Message}");
                }
            }
        })).ToList();

        await Task.Delay(2000);
        foreach (var (replica, id) in new[] { (a, "replica-a"), (b, "replica-b") })
        {
            // Slow requests in flight when the replica stops (3 s, longer than a stream's quiet time): they finish.
            var slow = Enumerable.Range(0, 4).Select(async _ =>
            {
                using var client = Stack.PublicClient();
                using var response = await client.GetAsync(Stack.PublicUrl(hostname, "/slow/3000"));
                return $"{(int)response.StatusCode} {(await response.Content.ReadAsStringAsync()).Trim()}";
            }).ToList();
            await Task.Delay(300);
            var before = Interlocked.Read(ref ok);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            await replica.StopAsync(TimeSpan.FromSeconds(30));
            output.WriteLine($"{id}: {before} ok before its stop, which took {watch.ElapsedMilliseconds} ms, then {Interlocked.Read(ref ok)}");
            Assert.Equal(0, replica.ExitCode);
            Assert.Contains("Stopping", replica.Output);
            Assert.All(await Task.WhenAll(slow), r => Assert.Equal("200 done", r));
            Start(id);
            await WaitConnectionsAsync(name, 8);
            await Task.Delay(1000);
            Assert.True(Interlocked.Read(ref ok) > before, "requests went on while the replica restarted");
        }

        await stop.CancelAsync();
        await Task.WhenAll(load);
        output.WriteLine($"requests: {ok} ok, {failed} failed while each of two replicas restarted");
        foreach (var line in Stack.Edge!.Output.Split('\n').Where(l => l.Contains("warn:") || l.Contains("fail:")).TakeLast(8))
        {
            output.WriteLine(line.Length > 400 ? line[..400] : line);
        }
        Assert.True(failed == 0, $"{failed} failed of {ok + failed}: {string.Join("; ", failures.Take(5))}");
        Assert.True(ok > 100, $"only {ok} requests");
    }
}
