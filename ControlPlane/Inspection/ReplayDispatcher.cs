using System.Collections.Concurrent;
using System.Threading.Channels;
using Tunnel.Shared.Protocol;

namespace Tunnel.ControlPlane.Inspection;

/// <summary>
/// Hands replays to edges: each edge keeps a WatchReplays stream open to this control plane (edges only dial out),
/// a replay goes to one of them (one that holds a connection of the tunnel when there is one), and its outcome comes
/// back on ReportReplay. In memory: a replay asked of a control plane replica no edge watches is refused, and says so.
/// </summary>
public sealed class ReplayDispatcher
{
    private readonly ConcurrentDictionary<Guid, (string EdgeId, Channel<ReplayJob> Jobs)> _edges = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<ReplayOutcome>> _pending = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Edges => _edges.Values.Select(e => e.EdgeId).Distinct().ToList();

    /// <summary>Streams jobs to one edge until its call ends.</summary>
    public async Task ServeAsync(string edgeId, Func<ReplayJob, Task> write, CancellationToken ct)
    {
        var key = Guid.NewGuid();
        var jobs = Channel.CreateUnbounded<ReplayJob>(new UnboundedChannelOptions { SingleReader = true });
        _edges[key] = (edgeId, jobs);
        try
        {
            await foreach (var job in jobs.Reader.ReadAllAsync(ct))
            {
                await write(job);
            }
        }
        finally
        {
            _edges.TryRemove(key, out _);
            while (jobs.Reader.TryRead(out var left))
            {
                Complete(new ReplayOutcome { JobId = left.JobId, Error = $"edge {edgeId} went away before sending the replay" });
            }
        }
    }

    /// <summary>The edge's answer, or null when no edge is connected or none answered in time (the error says which).</summary>
    public async Task<(ReplayOutcome? Outcome, string? Error)> DispatchAsync(ReplayJob job, IReadOnlyCollection<string> preferredEdges, TimeSpan timeout, CancellationToken ct)
    {
        var edges = _edges.Values.ToList();
        if (edges.Count == 0)
        {
            return (null, "no edge is connected to this control plane to send the replay through; check that the edges are up (tunnel status) and try again");
        }

        var preferred = edges.Where(e => preferredEdges.Contains(e.EdgeId)).ToList();
        var pool = preferred.Count > 0 ? preferred : edges;
        var (edgeId, jobs) = pool[Random.Shared.Next(pool.Count)];
        var answer = new TaskCompletionSource<ReplayOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[job.JobId] = answer;
        try
        {
            await jobs.Writer.WriteAsync(job, ct);
            return (await answer.Task.WaitAsync(timeout, ct), null);
        }
        catch (TimeoutException)
        {
            return (null, $"edge {edgeId} did not report the replay within {timeout.TotalSeconds:0} s; it may still reach the origin");
        }
        finally
        {
            _pending.TryRemove(job.JobId, out _);
        }
    }

    public void Complete(ReplayOutcome outcome)
    {
        if (_pending.TryGetValue(outcome.JobId, out var answer))
        {
            answer.TrySetResult(outcome);
        }
    }
}
