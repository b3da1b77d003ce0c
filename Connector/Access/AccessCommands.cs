using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Tunnel.Connector.Cli;
using Tunnel.Shared.Streams;

namespace Tunnel.Connector.Access;

/// <summary>
/// `tunnel access tcp` (a local listener; each accepted connection rides its own WebSocket to the edge) and
/// `tunnel access ssh` (stdin/stdout, for OpenSSH's ProxyCommand).
/// </summary>
public static class AccessCommands
{
    public static Command Create()
    {
        var hostname = new Option<string>("--hostname") { Description = "Public hostname of the TCP service (host or host:port)", Required = true };
        var edgeAddress = new Option<string?>("--edge-address")
        {
            Description = "Dial the edge at this HOST:PORT instead of resolving the hostname (the hostname still names the service, as curl --resolve); *.localhost names need none, they go to this machine",
        }.MustBeHostAndPort("127.0.0.1:8443");
        var edgeCa = new Option<string?>("--edge-ca")
        {
            Description = "PEM file of the CA that signed the edge's public certificate [env TUNNEL_EDGE_CA]",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("TUNNEL_EDGE_CA"),
        }.MustBeExistingFile("a PEM file with the CA certificate of the edge's public port");
        var url = new Option<string>("--url") { Description = "Local address to listen on, e.g. 127.0.0.1:2222", Required = true };
        var tokenId = new Option<string?>("--service-token-id")
        {
            Description = "Access service token client id, instead of a browser login [env TUNNEL_SERVICE_TOKEN_ID]",
        };
        var tokenSecret = new Option<string?>("--service-token-secret")
        {
            Description = "Access service token secret [env TUNNEL_SERVICE_TOKEN_SECRET]",
        };
        EdgeWebSocketClient Client(ParseResult parse)
        {
            // The service token comes from the environment when the flags are absent (not a default value: help would print it).
            var (id, secret) = (parse.GetValueOrEnvironment(tokenId, "TUNNEL_SERVICE_TOKEN_ID"),
                parse.GetValueOrEnvironment(tokenSecret, "TUNNEL_SERVICE_TOKEN_SECRET"));
            if ((id is null) != (secret is null))
            {
                throw new Cli.CliException("give both --service-token-id and --service-token-secret, or neither", 2);
            }

            return EdgeWebSocketClient.Create(parse.GetValue(hostname)!, parse.GetValue(edgeAddress), parse.GetValue(edgeCa),
                id is null ? null : new ServiceToken(id, secret!));
        }

        var tcp = new Command("tcp", "Listen locally and carry each connection to a TCP service behind the edge") { hostname, url, edgeAddress, edgeCa, tokenId, tokenSecret };
        tcp.SetAction(async (parse, ct) =>
        {
            var client = Client(parse);
            return await ListenAsync(client, parse.GetValue(url)!, ct);
        });

        var ssh = new Command("ssh", "Carry stdin/stdout to an SSH service behind the edge (use as ProxyCommand)") { hostname, edgeAddress, edgeCa, tokenId, tokenSecret };
        ssh.SetAction(async (parse, ct) =>
        {
            var client = Client(parse);
            using var socket = await client.ConnectAsync(ct);
            await using var stdio = new StdioStream();
            if (!await WebSocketStreamPump.RunAsync(socket, stdio, ct) && !ct.IsCancellationRequested)
            {
                throw new Cli.CliException($"the tunnel connection to {client.Url.Host} broke");
            }

            return 0;
        });

        var access = new Command("access", "Reach TCP services (SSH, RDP, databases) behind the edge; manage Access") { tcp, ssh, AccessLogoutCommand.Create() };
        foreach (var command in Cli.AccessAdminCommands.Create())
        {
            access.Subcommands.Add(command);
        }

        return access;
    }

    private static async Task<int> ListenAsync(EdgeWebSocketClient client, string url, CancellationToken ct)
    {
        if (!IPEndPoint.TryParse(url.Replace("localhost", "127.0.0.1", StringComparison.OrdinalIgnoreCase), out var endpoint) || endpoint.Port == 0)
        {
            throw new Cli.CliException($"--url '{url}' is not a local address with a port, e.g. 127.0.0.1:2222", 2);
        }

        using var listener = new TcpListener(endpoint);
        try
        {
            listener.Start();
        }
        catch (SocketException ex)
        {
            throw new Cli.CliException($"cannot listen on {endpoint}: {ex.Message}");
        }

        Console.Error.WriteLine($"Listening on {listener.LocalEndpoint}; each connection goes to {client.Url.Host} through the edge");
        while (!ct.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await listener.AcceptSocketAsync(ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            _ = Task.Run(() => ServeAsync(client, accepted, ct), CancellationToken.None);
        }

        return 0;
    }

    private static async Task ServeAsync(EdgeWebSocketClient client, Socket accepted, CancellationToken ct)
    {
        accepted.NoDelay = true;
        await using var local = new NetworkStream(accepted, ownsSocket: true);
        try
        {
            using var socket = await client.ConnectAsync(ct);
            if (!await WebSocketStreamPump.RunAsync(socket, local, ct) && !ct.IsCancellationRequested)
            {
                Console.Error.WriteLine($"error: the tunnel connection to {client.Url.Host} broke");
            }
        }
        catch (Cli.CliException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
        }
    }
}
