using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Tunnel.Edge;
using Tunnel.Edge.Certificates.Acme;

namespace Tunnel.Edge.Tests.Certificates;

/// <summary>
/// A signed DNS update is only taken as done on an answer signed with the same TSIG key: a NOERROR from anything else
/// on the path (here a UDP responder on loopback that echoes the request as an answer, unsigned) is a clear failure.
/// Signed answers are tested against Knot end to end (AcmeChallengeTests).
/// </summary>
public sealed class Dns01UpdateSignatureTests
{
    [Fact]
    public async Task An_unsigned_noerror_answer_to_a_signed_update_is_not_taken_for_a_record_added()
    {
        using var responder = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)responder.Client.LocalEndPoint!).Port;
        var answering = Task.Run(async () =>
        {
            var request = await responder.ReceiveAsync();
            // The header alone, marked as a response (QR) with NOERROR and no records: what a spoofer sends back.
            var answer = request.Buffer[..12];
            answer[2] = (byte)(answer[2] | 0x80);
            answer[3] = 0;
            Array.Clear(answer, 4, 8);
            await responder.SendAsync(answer, request.RemoteEndPoint);
        });

        var updates = new Dns01Updates(Options.Create(new EdgeOptions
        {
            Acme = new AcmeOptions
            {
                Dns = new AcmeDnsOptions
                {
                    Server = $"127.0.0.1:{port}", Zone = "example.test", TsigKeyName = "acme-updates",
                    TsigSecret = Convert.ToBase64String(new byte[32]),
                },
            },
        }), NullLogger<Dns01Updates>.Instance);

        var refused = await Assert.ThrowsAsync<AcmeProblemException>(() => updates.AddAsync("app.example.test", "token.thumbprint", CancellationToken.None));
        await answering;
        Assert.Contains("not signed with the TSIG key acme-updates", refused.Message);
    }
}
