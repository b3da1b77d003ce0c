using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Tunnel.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Sends an HTTP/1.1 request over TLS byte for byte as written (HttpClient would normalize the target and headers
/// first) and reads the whole response; the connection closes after it.
/// </summary>
public static class RawHttp1Client
{
    public sealed record Response(int Status, string Head, string Body)
    {
        public string? Header(string name) => Head.Split("\r\n").Skip(1)
            .Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            .Select(p => p[1].Trim()).FirstOrDefault();
    }

    public static async Task<Response> SendAsync(int port, string sniHost, string request, IPAddress? from = null)
    {
        using var tcp = new TcpClient(new IPEndPoint(from ?? IPAddress.Loopback, 0));
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(sniHost);
        await tls.WriteAsync(Encoding.UTF8.GetBytes(request));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var buffer = new MemoryStream();
        await tls.CopyToAsync(buffer, timeout.Token);
        var text = Encoding.UTF8.GetString(buffer.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = split < 0 ? text : text[..split];
        var status = int.Parse(head.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        return new Response(status, head, split < 0 ? "" : text[(split + 4)..]);
    }

    /// <summary>A GET with the given target and extra header lines, asking for JSON, closing after the response.</summary>
    public static Task<Response> GetAsync(int port, string host, string target, params string[] headerLines) =>
        SendAsync(port, host, $"GET {target} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n"
            + string.Concat(headerLines.Select(h => h + "\r\n")) + "Connection: close\r\n\r\n");
}
