using Tunnel.ControlPlane;
using Tunnel.ControlPlane.Apis;
using Tunnel.ControlPlane.Config;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Tunnels;
using Tunnel.Shared.Hosting;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddServiceDefaults();

builder.Services.AddOptions<ControlPlaneOptions>().BindConfiguration(ControlPlaneOptions.Section).ValidateDataAnnotations().ValidateOnStart();
var options = builder.Configuration.GetSection(ControlPlaneOptions.Section).Get<ControlPlaneOptions>() ?? new();
builder.WebHost.UseControlPlaneHttps(options);
builder.AddTunnelDatabase(options.DataDirectory);

builder.Services.AddProblemDetails();
builder.Services.AddGrpc();
builder.Services.AddSingleton<ControlPlaneKeys>();
builder.Services.AddSingleton<TokenIssuer>();
builder.Services.AddSingleton<ConfigChangeSignal>();
builder.Services.AddScoped<ConfigSnapshotBuilder>();

var app = builder.Build();
await app.Services.MigrateDatabaseAsync(app.Lifetime.ApplicationStopping);
_ = app.Services.GetRequiredService<ControlPlaneKeys>(); // create missing keys at start, not on the first call

app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapDefaultEndpoints();
app.MapGrpcService<ConfigGrpcService>();

var api = app.MapGroup("/api").AddEndpointFilter<AdminApiKeyFilter>();
api.MapTunnelsApi();
api.MapHostnamesApi();
api.MapConnectionsApi();

app.Run();

public partial class Program;
