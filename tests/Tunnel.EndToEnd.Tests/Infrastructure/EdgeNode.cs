namespace Tunnel.EndToEnd.Tests.Infrastructure;

/// <summary>One edge of a stack's edge cluster: its ports, data directory and process.</summary>
public sealed class EdgeNode(TunnelStack stack, string id, string dataDirectory, int publicPort, int connectorPort, int managementPort, int peerPort)
{
    public string Id { get; } = id;
    public string DataDirectory { get; } = dataDirectory;
    public int PublicPort { get; } = publicPort;
    public int ConnectorPort { get; } = connectorPort;
    public int ManagementPort { get; } = managementPort;
    public int PeerPort { get; } = peerPort;
    public TestProcess? Process { get; set; }
    /// <summary>Arguments for this edge alone, after the stack's EdgeArgs (so they win).</summary>
    public List<string> ExtraArgs { get; } = [];

    /// <summary>The connector address of this edge, for `--edge` (a connector pinned to it).</summary>
    public string ConnectorUrl => $"https://localhost:{ConnectorPort}";

    public Uri PublicUrl(string hostname, string path = "/") => new($"https://{hostname}:{PublicPort}{path}");

    /// <summary>Restarts a stopped (or killed) edge on the same ports and data.</summary>
    public Task RestartAsync() => stack.StartEdgeProcessAsync(this);
}
