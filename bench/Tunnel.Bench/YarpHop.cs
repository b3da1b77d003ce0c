using Yarp.ReverseProxy.Configuration;

/// <summary>
/// One plain Kestrel + YARP hop to the origin, with no tunnel behind it: the floor under any design whose edge is
/// Kestrel and YARP, measured beside nginx and <c>ssh -R</c> so the tunnel's own cost can be read off.
/// </summary>
internal static class YarpHop
{
    public static async Task<int> RunAsync(int port, string origin)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        builder.Services.AddReverseProxy().LoadFromMemory(
            [new RouteConfig { RouteId = "all", ClusterId = "origin", Match = new RouteMatch { Path = "{**path}" } }],
            [new ClusterConfig { ClusterId = "origin", Destinations = new Dictionary<string, DestinationConfig> { ["origin"] = new() { Address = origin } } }]);
        var app = builder.Build();
        app.MapReverseProxy();
        await app.RunAsync();
        return 0;
    }
}
