using Microsoft.AspNetCore.Routing.Matching;
using Tunnel.Edge;
using Tunnel.Edge.Access;
using Tunnel.Edge.Certificates;
using Tunnel.Edge.Config;
using Tunnel.Edge.Connectors;
using Tunnel.Edge.Hosting;
using Tunnel.Edge.Inspection;
using Tunnel.Edge.RequestTarget;
using Tunnel.Edge.Routing;
using Tunnel.Edge.Traffic;
using Tunnel.Shared.Hosting;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

HealthProbe.RunIfAsked(args); // a container health check, not a server start
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddServiceDefaults();

builder.Services.AddOptions<EdgeOptions>().BindConfiguration(EdgeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
var options = builder.Configuration.GetSection(EdgeOptions.Section).Get<EdgeOptions>() ?? new();
builder.UseEdgeListeners(options);

builder.Services.AddSingleton<Tunnel.Edge.Certificates.Acme.AcmeCertificates>();
builder.Services.AddSingleton<Tunnel.Edge.Certificates.Acme.ClusterChallenges>();
builder.Services.AddSingleton<Tunnel.Edge.Certificates.Acme.Dns01Updates>();
builder.Services.AddSingleton<Tunnel.Edge.Certificates.Acme.TlsAlpn01>();
builder.Services.AddHostedService<Tunnel.Edge.Certificates.Acme.CertificateSync>();
builder.Services.AddHostedService<Tunnel.Edge.Certificates.Acme.AcmeIssuer>();
builder.Services.AddSingleton<CertificateStore>();
builder.Services.AddSingleton<ConfigStore>();
builder.Services.AddSingleton<ControlPlaneChannel>();
builder.Services.AddHostedService<ConfigWatcher>();

// Unknown gRPC services pass on to YARP: they are calls to gRPC origins behind tunnels.
builder.Services.AddGrpc(o => o.IgnoreUnknownServices = true);
builder.Services.AddSingleton<ConnectorRegistry>();
builder.Services.AddSingleton<ConnectorAuthenticator>();
builder.Services.AddHostedService<ConnectionReporter>();
builder.Services.AddSingleton<TrafficRecorder>();
builder.Services.AddHostedService<TrafficReporter>();
builder.Services.AddSingleton<Tunnel.Edge.Inspection.ReplayTickets>();
builder.Services.AddSingleton<Tunnel.Edge.Inspection.CaptureQueue>();
builder.Services.AddSingleton<Tunnel.Edge.Inspection.CaptureMemory>();
builder.Services.AddHostedService<Tunnel.Edge.Inspection.CaptureReporter>();
builder.Services.AddHostedService<Tunnel.Edge.Inspection.ReplayRunner>();
builder.Services.AddHostedService<RevokedTunnelDisconnector>();
builder.Services.AddHostedService<RemoteIngressPublisher>();
builder.Services.AddHostedService<ConnectorDrain>();

builder.Services.AddSingleton<Tunnel.Edge.Telemetry.EdgeMetrics>();
builder.Services.AddSingleton<TunnelDialer>();
builder.Services.AddSingleton<Tunnel.Edge.Peering.PeerKey>();
builder.Services.AddSingleton<Tunnel.Edge.Peering.PeerChannels>();
builder.Services.AddSingleton<Tunnel.Edge.Peering.PeerHealth>();
builder.Services.AddSingleton<Tunnel.Edge.Peering.PeerDialer>();
builder.Services.AddSingleton<MatcherPolicy, IngressPathMatcherPolicy>();
builder.Services.AddSingleton<MatcherPolicy, TunnelHostMatcherPolicy>();
builder.Services.AddSingleton<IProxyConfigProvider, TunnelProxyConfigProvider>();
builder.Services.AddReverseProxy().AddTransforms(RequestIdTransform.Apply).AddTransforms(OriginResponseTransform.Apply);
builder.Services.AddSingleton<IForwarderHttpClientFactory, TunnelHttpClientFactory>();
builder.AddEdgeAccess(options);
builder.Services.AddRequestLimits(options);
builder.Services.AddSingleton<MatcherPolicy, ListenerEndpointPolicy>();
builder.Services.AddHealthChecks().AddCheck<ConfigLoadedHealthCheck>("config", tags: [ServiceDefaults.ReadyTag]);

var app = builder.Build();
// An ACME CA's HTTP-01 fetches (this edge's own pending tokens only), before anything else reads the request.
Tunnel.Edge.Certificates.Acme.Http01Challenges.UseHttp01Challenges(app, options);
// Public requests: one canonical host and path, before routing, so routes, gate and forwarder share it.
app.UseCanonicalRequestTarget(options);
app.UseRouting();
app.UseReplayTickets(options);
app.UseTrafficRecording(options);
app.UseRequestLimits(options);
app.UseInspection(options);
app.UseEdgeAccess(options);
// Each endpoint is served on one listener only (ListenerEndpointPolicy), whatever the request says.
app.MapDefaultEndpoints().OnListener(Listener.Management);
app.MapGrpcService<TunnelEdgeGrpcService>().OnListener(Listener.Connector);
app.MapGrpcService<Tunnel.Edge.Peering.EdgePeerGrpcService>().OnListener(Listener.Peer);
app.MapReverseProxy(TunnelProxyPipeline.Configure).OnListener(Listener.Public);
app.MapFallback(UnroutedRequests.HandleAsync).OnListener(Listener.Public);
app.Run();
