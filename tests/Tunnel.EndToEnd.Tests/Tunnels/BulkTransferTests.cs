using System.Security.Cryptography;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Tunnels;

/// <summary>Large and broken transfers: byte-exact, with memory that stays bounded (backpressure end to end).</summary>
public class BulkTransferTests(SqliteStackFixture fixture) : IClassFixture<SqliteStackFixture>
{
    private const long OneGiB = 1L << 30;
    private const long RssLimitBytes = 400L << 20;

    private TunnelStack Stack => fixture.Stack;

    [Fact]
    public async Task One_gibibyte_down_and_up_is_byte_exact_with_bounded_memory_even_for_a_slow_reader()
    {
        var (_, hostname, token) = await Stack.NewRoutedTunnelAsync();
        var connector = Stack.StartConnector(token);
        await Stack.WaitServedAsync(hostname);

        // Download, with a reader that stalls for 3 s first: the edge and connector must not buffer the gigabyte.
        using (var response = await Stack.Public.GetAsync(Stack.PublicUrl(hostname, $"/bytes/{OneGiB}"), HttpCompletionOption.ResponseHeadersRead))
        {
            await using var body = await response.Content.ReadAsStreamAsync();
            await Task.Delay(TimeSpan.FromSeconds(3));
            var buffer = new byte[256 * 1024];
            long offset = 0;
            int n;
            while ((n = await body.ReadAsync(buffer)) > 0)
            {
                for (var i = 0; i < n; i++)
                {
                    if (buffer[i] != (byte)((offset + i) % 251 % 256))
                    {
                        Assert.Fail($"byte {offset + i} differs");
                    }
                }

                offset += n;
            }

            Assert.Equal(OneGiB, offset);
        }

        // Upload. This test checks bytes and memory, not speed (bench/ measures that): a gigabyte may take longer than
        // the shared client's 30 s on a machine busy with other tests.
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var upload = new StreamContent(new PatternStream(OneGiB, hash));
        upload.Headers.ContentLength = OneGiB;
        using var patient = new HttpClient(Stack.PublicHandler()) { Timeout = TimeSpan.FromMinutes(5) };
        using var sink = await patient.PostAsync(Stack.PublicUrl(hostname, "/sink"), upload);
        var answer = (await sink.Content.ReadAsStringAsync()).Split(' ');
        Assert.Equal(OneGiB.ToString(), answer[0]);
        Assert.Equal(Convert.ToHexString(hash.GetHashAndReset()), answer[1]);

        var edgeRss = Stack.Edge!.PeakRssBytes();
        var connectorRss = connector.PeakRssBytes();
        Console.WriteLine($"peak RSS after 1 GiB each way: edge {edgeRss >> 20} MiB, connector {connectorRss >> 20} MiB");
        Assert.InRange(edgeRss, 1, RssLimitBytes);
        Assert.InRange(connectorRss, 1, RssLimitBytes);
    }

    [Fact]
    public async Task An_origin_dying_mid_response_gives_the_client_a_broken_response_not_a_hang()
    {
        var (_, hostname, token) = await Stack.NewRoutedTunnelAsync();
        Stack.StartConnector(token);
        await Stack.WaitServedAsync(hostname);

        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var error = await Record.ExceptionAsync(async () =>
        {
            using var response = await Stack.Public.GetAsync(Stack.PublicUrl(hostname, "/abort/100000/1000000"), limit.Token);
            await response.Content.ReadAsByteArrayAsync(limit.Token);
        });
        Assert.NotNull(error);
        Assert.False(limit.IsCancellationRequested, "the client hung instead of seeing the broken response");
    }

    /// <summary>A read-only stream of `length` bytes of the origin's pattern, hashed as it is read.</summary>
    internal sealed class PatternStream(long length, IncrementalHash hash) : Stream
    {
        private long _position;

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            for (var i = 0; i < n; i++)
            {
                buffer[offset + i] = (byte)((_position + i) % 251);
            }

            hash.AppendData(buffer, offset, n);
            _position += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
