using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Tunnel.Shared.Security;

namespace Tunnel.EndToEnd.Tests.Infrastructure;

public enum Store
{
    Sqlite,
    Postgres,
}

/// <summary>
/// A whole stack on loopback, each part a real process of our own binaries: control plane (SQLite or Postgres),
/// edge, and a demo origin; connectors are started per test.
/// </summary>
public sealed class TunnelStack : IAsyncDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"tunnel-e2e-{Guid.NewGuid():N}");
    private readonly Store _store;
    private readonly string _database = $"tunnel_{Guid.NewGuid():N}";
    private readonly List<TestProcess> _processes = [];

    public TunnelStack(Store store)
    {
        _store = store;
        Directory.CreateDirectory(_dir);
    }

    public string AdminKey { get; } = SecretHash.NewSecret();
    public string EdgeKey { get; } = SecretHash.NewSecret();
    public int ControlPlanePort { get; } = Ports.Free();
    public int PublicPort { get; } = Ports.Free();
    public int ConnectorPort { get; } = Ports.Free();
    public int ManagementPort { get; } = Ports.Free();
    public int OriginPort { get; } = Ports.Free();
    public TestProcess? ControlPlane { get; private set; }
    public TestProcess? Edge { get; private set; }
    public TestProcess? Origin { get; private set; }
    public string EdgeCa => Path.Combine(_dir, "edge", "certs", DevCertificateAuthority.CaFileName);

    /// <summary>What connectors trust for the edge: its development CA unless a test configures certificates.</summary>
    public string? ConnectorCa { get; set; }
    public string ControlPlaneCa => Path.Combine(_dir, "controlplane", "certs", DevCertificateAuthority.CaFileName);
    public HttpClient Api { get; private set; } = null!;
    public HttpClient Public { get; private set; } = null!;

    /// <summary>Extra command-line settings for the edge (certificates, ports).</summary>
    public List<string> EdgeArgs { get; } = [];
    /// <summary>Extra command-line configuration for the demo origin.</summary>
    public List<string> OriginArgs { get; } = [];
    /// <summary>The cluster a Postgres stack uses; the run's shared one unless a test brings its own.</summary>
    public PostgresServer? Postgres { get; set; }
    /// <summary>Extra command-line configuration for the control plane (e.g. its OIDC provider).</summary>
    public List<string> ControlPlaneArgs { get; } = [];

    /// <summary>Environment variables for every service process of the stack (control plane, edge, connectors).</summary>
    public Dictionary<string, string> ServiceEnvironment { get; } = [];

    public static Task<TunnelStack> StartAsync(Store store, Action<TunnelStack>? configure = null) =>
        StartAsync(store, stack =>
        {
            configure?.Invoke(stack);
            return Task.CompletedTask;
        });

    public static async Task<TunnelStack> StartAsync(Store store, Func<TunnelStack, Task> configureAsync)
    {
        var stack = new TunnelStack(store);
        await configureAsync(stack);
        await stack.StartControlPlaneAsync();
        await stack.StartEdgeAsync();
        stack.Origin = TestProcess.StartDotnet("origin", Binaries.DemoOrigin, ["--urls", $"http://127.0.0.1:{stack.OriginPort}", .. stack.OriginArgs]);
        using var probe = new HttpClient();
        await Eventually.Until(() => probe.GetAsync($"http://127.0.0.1:{stack.OriginPort}/small"), r => r.IsSuccessStatusCode, TimeSpan.FromSeconds(30), "origin start");
        return stack;
    }

    public async Task StartControlPlaneAsync()
    {
        List<string> args =
        [
            "--urls", $"https://127.0.0.1:{ControlPlanePort}",
            $"--ControlPlane:DataDirectory={Path.Combine(_dir, "controlplane")}",
            $"--ControlPlane:AdminApiKey={AdminKey}",
            $"--ControlPlane:EdgeKey={EdgeKey}",
            $"--ControlPlane:EdgeUrl=https://localhost:{ConnectorPort}",
        ];
        args.AddRange(ControlPlaneArgs);
        if (_store == Store.Postgres)
        {
            args.Add($"--ConnectionStrings:Postgres={(Postgres ?? PostgresServer.Shared).ConnectionString(_database)}");
        }

        ControlPlane = TestProcess.StartDotnet("controlplane", Binaries.ControlPlane, args, ServiceEnvironment);
        await Eventually.Until(() => Task.FromResult(File.Exists(ControlPlaneCa)), x => x, TimeSpan.FromSeconds(30), "control plane CA");
        Api?.Dispose();
        Api = ApiAs(AdminKey);
        await WaitReadyAsync(Api, "readyz", ControlPlane);
    }

    /// <summary>A client of the control plane's API presenting this token (none when null).</summary>
    public HttpClient ApiAs(string? token)
    {
        var client = new HttpClient(Trusting(ControlPlaneCa)) { BaseAddress = new Uri($"https://127.0.0.1:{ControlPlanePort}/") };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public int PeerPort { get; } = Ports.Free();

    /// <summary>The edge every stack starts with, as a member of the edge cluster.</summary>
    public EdgeNode FirstEdge => _firstEdge ??= new(this, $"edge-{PublicPort}", Path.Combine(_dir, "edge"), PublicPort, ConnectorPort, ManagementPort, PeerPort);

    private EdgeNode? _firstEdge;

    /// <summary>The edges started besides the first one (<see cref="AddEdgeAsync"/>).</summary>
    public List<EdgeNode> MoreEdges { get; } = [];

    public async Task StartEdgeAsync()
    {
        Edge = await StartEdgeProcessAsync(FirstEdge);
        Public?.Dispose();
        Public = PublicClient(File.Exists(EdgeCa) ? EdgeCa : ConnectorCa);
    }

    /// <summary>
    /// Another edge of the same control plane, on ports of its own; it shares the first edge's development CA, so
    /// clients and connectors trust every edge alike.
    /// </summary>
    public async Task<EdgeNode> AddEdgeAsync(string id, params string[] extraArgs)
    {
        var node = new EdgeNode(this, id, Path.Combine(_dir, id), Ports.Free(), Ports.Free(), Ports.Free(), Ports.Free());
        node.ExtraArgs.AddRange(extraArgs);
        var certs = Path.Combine(_dir, "edge", "certs");
        if (Directory.Exists(certs))
        {
            Directory.CreateDirectory(Path.Combine(node.DataDirectory, "certs"));
            foreach (var file in Directory.GetFiles(certs, "dev-ca*"))
            {
                File.Copy(file, Path.Combine(node.DataDirectory, "certs", Path.GetFileName(file)), overwrite: true);
            }
        }

        node.Process = await StartEdgeProcessAsync(node);
        MoreEdges.Add(node);
        return node;
    }

    /// <summary>Starts (or restarts) an edge process for the node and waits until it is ready.</summary>
    public async Task<TestProcess> StartEdgeProcessAsync(EdgeNode node)
    {
        var process = TestProcess.StartDotnet(node.Id, Binaries.Edge,
        [
            $"--Edge:Id={node.Id}",
            $"--Edge:DataDirectory={node.DataDirectory}",
            "--Edge:BindAddress=127.0.0.1",
            $"--Edge:PublicHttpsPort={node.PublicPort}",
            $"--Edge:ConnectorPort={node.ConnectorPort}",
            $"--Edge:ManagementPort={node.ManagementPort}",
            $"--Edge:PeerPort={node.PeerPort}",
            $"--Edge:PeerUrl=https://localhost:{node.PeerPort}",
            $"--Edge:ConnectorUrl=https://localhost:{node.ConnectorPort}",
            $"--Edge:ControlPlaneUrl=https://127.0.0.1:{ControlPlanePort}",
            $"--Edge:ControlPlaneKey={EdgeKey}",
            $"--Edge:ControlPlaneCa={ControlPlaneCa}",
            .. EdgeArgs,
            .. node.ExtraArgs,
        ], ServiceEnvironment);
        node.Process = process;
        if (node == FirstEdge)
        {
            Edge = process;
        }

        using var management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{node.ManagementPort}/") };
        await WaitReadyAsync(management, "readyz", process);
        return process;
    }

    /// <summary>An HTTPS client for public hostnames: any *.localhost name goes to the edge's public port.</summary>
    public HttpClient PublicClient(string? caPath = null) => new(PublicHandler(caPath)) { Timeout = TimeSpan.FromSeconds(30) };

    public SocketsHttpHandler PublicHandler(string? caPath = null) => LoopbackHandler(caPath ?? EdgeCa);

    /// <summary>A handler trusting one CA that sends every name (*.localhost ones included) to this machine.</summary>
    public static SocketsHttpHandler LoopbackHandler(string caPath)
    {
        var handler = Trusting(caPath);
        handler.ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        };
        return handler;
    }

    public Uri PublicUrl(string hostname, string path = "/") => new($"https://{hostname}:{PublicPort}{path}");

    public async Task<(string Id, string Token)> CreateTunnelAsync(string name)
    {
        var response = await Api.PostAsJsonAsync("api/tunnels", new { name });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("id").GetString()!, body.GetProperty("token").GetString()!);
    }

    public async Task RouteAsync(string tunnel, string hostname)
    {
        var response = await Api.PostAsJsonAsync($"api/tunnels/{tunnel}/hostnames", new { hostname });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>A tunnel with one hostname, and the edge already knowing both.</summary>
    public async Task<(string Name, string Hostname, string Token)> NewRoutedTunnelAsync(TimeSpan? learnWithin = null)
    {
        var id = Guid.NewGuid().ToString("N")[..10];
        var name = $"t-{id}";
        var hostname = $"h{id}.localhost";
        var (_, token) = await CreateTunnelAsync(name);
        await RouteAsync(name, hostname);
        await Eventually.Until(() => Public.GetAsync(PublicUrl(hostname)), r => r.StatusCode == HttpStatusCode.ServiceUnavailable,
            learnWithin ?? TimeSpan.FromSeconds(10), $"edge learning of {hostname}");
        return (name, hostname, token);
    }

    public string TempPath(string name) => Path.Combine(_dir, name);

    /// <summary>The processes started for the stack beyond its three services (connectors, mostly).</summary>
    public IReadOnlyList<TestProcess> TrackedProcesses
    {
        get
        {
            lock (_processes)
            {
                return [.. _processes];
            }
        }
    }

    /// <summary>Stops the process with the stack.</summary>
    public TestProcess Track(TestProcess process)
    {
        lock (_processes)
        {
            _processes.Add(process);
        }

        return process;
    }

    /// <summary>A connector with only its token: it serves the ingress rules the control plane manages.</summary>
    public TestProcess StartRemotelyManagedConnector(string token) =>
        Track(TestProcess.StartDotnet("connector", Binaries.Connector, ["run", "--token", token, "--edge-ca", ConnectorCa ?? EdgeCa], ServiceEnvironment));

    public TestProcess StartConnector(string token, params string[] extra)
    {
        List<string> args = ["run", "--token", token, "--edge-ca", ConnectorCa ?? EdgeCa];
        if (!extra.Contains("--config") && !extra.Contains("--url"))
        {
            args.AddRange(["--url", $"http://127.0.0.1:{OriginPort}"]);
        }

        args.AddRange(extra);
        return Track(TestProcess.StartDotnet("connector", Binaries.Connector, args, ServiceEnvironment));
    }

    public async Task WaitServedAsync(string hostname)
    {
        try
        {
            await Eventually.Until(() => Public.GetAsync(PublicUrl(hostname, "/small")), r => r.StatusCode == HttpStatusCode.OK,
                TimeSpan.FromSeconds(20), $"{hostname} served through the tunnel");
        }
        catch (TimeoutException ex)
        {
            var edgeErrors = string.Join('\n', (Edge?.Output ?? "").Split('\n').Where(l => l.Contains("fail:") || l.Contains("warn:")).TakeLast(10));
            throw new TimeoutException($"{ex.Message}\nlast edge warnings and errors:\n{edgeErrors}");
        }
    }

    public Task<(int ExitCode, string Output)> CliAsync(params string[] args) => CliAsAsync(AdminKey, args);

    public Task<(int ExitCode, string Output)> CliAsAsync(string token, params string[] args) =>
        TestProcess.RunDotnetAsync(Binaries.Connector, args, CliEnvironment(token));

    /// <summary>What a CLI call needs to reach this stack's control plane with <paramref name="token"/>.</summary>
    public Dictionary<string, string> CliEnvironment(string token) => new()
    {
        ["TUNNEL_API"] = $"https://127.0.0.1:{ControlPlanePort}",
        ["TUNNEL_API_KEY"] = token,
        ["TUNNEL_API_CA"] = ControlPlaneCa,
    };

    private static SocketsHttpHandler Trusting(string caPath)
    {
        var handler = new SocketsHttpHandler();
        TrustedCertificates.Apply(handler.SslOptions, caPath);
        return handler;
    }

    private static async Task WaitReadyAsync(HttpClient client, string path, TestProcess process)
    {
        try
        {
            await Eventually.Until(async () =>
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"{process.Name} exited with {process.ExitCode}");
                }

                return await client.GetAsync(path);
            }, r => r.IsSuccessStatusCode, TimeSpan.FromSeconds(60), $"{process.Name} ready");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\n{process.Name} output:\n{process.Output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var c in _processes)
        {
            await c.DisposeAsync();
        }

        foreach (var p in MoreEdges.Select(e => e.Process).Append(Edge).Append(ControlPlane).Append(Origin))
        {
            if (p is not null)
            {
                await p.DisposeAsync();
            }
        }

        Api?.Dispose();
        Public?.Dispose();
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (IOException)
        {
        }
    }
}
