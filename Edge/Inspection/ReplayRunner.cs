using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Tunnel.Edge.Config;
using Tunnel.Shared.Protocol;

namespace Tunnel.Edge.Inspection;

/// <summary>
/// Replays an admin asked for in the dashboard or the CLI: the control plane hands them to an edge over a stream this
/// edge keeps open (edges only ever dial out to it). Each is sent to this edge's own public listener, so it takes the
/// path any request takes (limits, Access unless the admin chose to bypass it, capture, forwarding); its ticket says
/// which capture it replays.
/// </summary>
public sealed class ReplayRunner(ControlPlaneChannel channel, ReplayTickets tickets, IOptions<EdgeOptions> options, ILogger<ReplayRunner> logger)
    : BackgroundService
{
    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "TE", "Trailer", "Proxy-Connection", ReplayTickets.Header,
    };

    private readonly HttpClient _client = new(Handler(options.Value)) { Timeout = TimeSpan.FromSeconds(60) };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(500);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var call = channel.Client.WatchReplays(new WatchReplaysRequest { EdgeId = options.Value.Id }, cancellationToken: stoppingToken);
                await foreach (var job in call.ResponseStream.ReadAllAsync(stoppingToken))
                {
                    delay = TimeSpan.FromMilliseconds(500);
                    _ = RunAsync(job, stoppingToken); // one slow origin does not hold up the next replay
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogDebug("Replay stream from the control plane ended ({Error}); reconnecting", ex.Message);
            }

            await Task.Delay(delay + TimeSpan.FromMilliseconds(Random.Shared.Next(250)), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
        }
    }

    private async Task RunAsync(ReplayJob job, CancellationToken stoppingToken)
    {
        var outcome = await SendAsync(job, stoppingToken);
        try
        {
            await channel.Client.ReportReplayAsync(outcome, deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: stoppingToken);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning("Could not tell the control plane how replay {Job} went: {Error}", job.JobId, ex.Message);
        }
    }

    public async Task<ReplayOutcome> SendAsync(ReplayJob job, CancellationToken cancellationToken)
    {
        var exchangeId = Guid.CreateVersion7().ToString("N");
        var outcome = new ReplayOutcome { JobId = job.JobId, ExchangeId = exchangeId };
        var o = options.Value;
        var (scheme, port) = o.PublicHttpsPort > 0 ? ("https", o.PublicHttpsPort) : ("http", o.PublicHttpPort);
        if (port == 0)
        {
            outcome.Error = "this edge has no public listener to send the replay through";
            return outcome;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            using var request = new HttpRequestMessage(new HttpMethod(job.Method), new Uri($"{scheme}://{job.Host}:{port}{job.PathAndQuery}"));
            if (job.Body.Length > 0 || job.Method is "POST" or "PUT" or "PATCH")
            {
                request.Content = new ByteArrayContent(job.Body.ToByteArray());
            }

            foreach (var header in job.Headers.Where(h => !NotForwarded.Contains(h.Name) && !h.Name.StartsWith(':')))
            {
                if (!request.Headers.TryAddWithoutValidation(header.Name, header.Value))
                {
                    request.Content?.Headers.TryAddWithoutValidation(header.Name, header.Value);
                }
            }

            request.Headers.TryAddWithoutValidation(ReplayTickets.Header, tickets.Issue(job.TunnelId, job.ReplayOf, job.BypassAccess, exchangeId));
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            await body.CopyToAsync(Stream.Null, cancellationToken); // the capture keeps what the inspector shows
            outcome.Sent = true;
            outcome.Status = (int)response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException or FormatException or ArgumentException or InvalidOperationException)
        {
            outcome.Error = $"the replay failed at the edge: {ex.Message}";
        }

        outcome.DurationMs = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 3);
        return outcome;
    }

    /// <summary>To this edge's own listener, whatever the hostname resolves to; its certificate is this process's own.</summary>
    private static SocketsHttpHandler Handler(EdgeOptions o) => new()
    {
        UseCookies = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectCallback = async (context, ct) =>
        {
            var address = IPAddress.TryParse(o.BindAddress, out var bind) && !bind.Equals(IPAddress.Any) && !bind.Equals(IPAddress.IPv6Any)
                ? bind
                : IPAddress.Loopback;
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
        // The connection goes to this process's own listener (above), not to whatever the name resolves to.
        SslOptions = { RemoteCertificateValidationCallback = static (_, _, _, _) => true },
    };

    public override void Dispose()
    {
        _client.Dispose();
        base.Dispose();
    }
}
