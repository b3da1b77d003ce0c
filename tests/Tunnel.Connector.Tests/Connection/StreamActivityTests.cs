using System.Text;
using Tunnel.Connector.Connection;

namespace Tunnel.Connector.Tests.Connection;

/// <summary>When a stopping connector may end a kept-alive stream, and what happens to the bytes that race it.</summary>
public class StreamActivityTests
{
    private static readonly ReadOnlyMemory<byte> Get = Encoding.ASCII.GetBytes("GET /small HTTP/1.1\r\nHost: a\r\n\r\n");
    private static readonly ReadOnlyMemory<byte> Post = Encoding.ASCII.GetBytes("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi");
    private static readonly ReadOnlyMemory<byte> Response = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n");

    private static (StreamActivity Activity, StreamActivity.Entry Entry, List<string> Delivered) NewHttpStream()
    {
        var activity = new StreamActivity();
        var entry = activity.Begin(new CancellationTokenSource());
        entry.Http = true;
        return (activity, entry, []);
    }

    private static async Task<bool> SendAsync(StreamActivity.Entry entry, ReadOnlyMemory<byte> bytes, List<string> delivered) =>
        await entry.ToOriginAsync(bytes, () =>
        {
            delivered.Add(Encoding.ASCII.GetString(bytes.Span).Split(' ')[0]);
            return ValueTask.CompletedTask;
        });

    private static ValueTask AnswerAsync(StreamActivity.Entry entry) => entry.ToEdgeAsync(() => ValueTask.CompletedTask);

    private static Task StartDrainingAsync(StreamActivity activity) => activity.DrainAsync(TimeSpan.Zero, TimeSpan.Zero, CancellationToken.None);

    /// <summary>A stream that carried one answered GET, on a connector that has just started draining: between two requests.</summary>
    private static async Task<(StreamActivity.Entry Entry, List<string> Delivered)> DrainingBetweenRequestsAsync(bool http = true)
    {
        var (activity, entry, delivered) = NewHttpStream();
        entry.Http = http;
        await SendAsync(entry, Get, delivered);
        await AnswerAsync(entry);
        await StartDrainingAsync(activity);
        return (entry, delivered);
    }

    [Fact]
    public async Task While_running_every_request_is_delivered()
    {
        var (_, entry, delivered) = NewHttpStream();
        Assert.True(await SendAsync(entry, Get, delivered));
        await AnswerAsync(entry);
        Assert.True(await SendAsync(entry, Get, delivered));
        Assert.Equal(["GET", "GET"], delivered);
        Assert.False(entry.Ending);
    }

    [Fact]
    public async Task Draining_a_GET_that_starts_after_a_response_is_not_delivered_and_the_stream_ends_cleanly()
    {
        var (entry, delivered) = await DrainingBetweenRequestsAsync();

        Assert.False(await SendAsync(entry, Get, delivered));
        Assert.True(entry.Ending);
        Assert.True(entry.Reading.IsCancellationRequested, "reading the origin stops, so end-of-stream goes to the edge");
        Assert.False(entry.Failed.IsCancellationRequested, "ended, not reset");
        Assert.False(await SendAsync(entry, Post, delivered), "nothing reaches the origin once ending");
        Assert.Equal(["GET"], delivered);
    }

    [Fact]
    public async Task Draining_a_POST_is_delivered_since_the_edge_could_not_resend_it()
    {
        var (entry, delivered) = await DrainingBetweenRequestsAsync();

        Assert.True(await SendAsync(entry, Post, delivered));
        Assert.Equal(["GET", "POST"], delivered);
        Assert.False(entry.Ending);
    }

    [Fact]
    public async Task Draining_the_first_request_of_a_new_stream_is_delivered()
    {
        var (activity, entry, delivered) = NewHttpStream();
        await StartDrainingAsync(activity);
        Assert.True(await SendAsync(entry, Get, delivered));
    }

    [Fact]
    public async Task A_request_awaiting_a_slow_origin_keeps_its_stream_however_quiet()
    {
        var (activity, entry, delivered) = NewHttpStream();
        await SendAsync(entry, Get, delivered);
        await StartDrainingAsync(activity);

        entry.TryEndIfIdle(TimeSpan.Zero);
        Assert.False(entry.Ending);

        await AnswerAsync(entry);
        entry.TryEndIfIdle(TimeSpan.Zero);
        Assert.True(entry.Ending, "once answered and quiet, the stream ends");
    }

    [Fact]
    public async Task Raw_tcp_streams_are_never_cut_at_a_request_start()
    {
        // An ssh:// or tcp:// service: bytes that look like "GET " are just bytes.
        var (entry, delivered) = await DrainingBetweenRequestsAsync(http: false);
        Assert.True(await SendAsync(entry, Get, delivered));
    }

    [Fact]
    public async Task A_quiet_stream_is_ended_only_after_the_quiet_time()
    {
        var (entry, _) = await DrainingBetweenRequestsAsync();
        entry.TryEndIfIdle(TimeSpan.FromMinutes(1));
        Assert.False(entry.Ending);
    }
}
