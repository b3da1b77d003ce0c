using Tunnel.ControlPlane;
using Tunnel.ControlPlane.Apis;
using Tunnel.ControlPlane.Audit;
using Tunnel.ControlPlane.Auth;
using Tunnel.ControlPlane.Config;
using Tunnel.ControlPlane.Dashboard;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Tunnels;
using Tunnel.Shared.Hosting;

HealthProbe.RunIfAsked(args); // a container health check, not a server start
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddServiceDefaults();
// The default address lives here rather than in appsettings.json, where "Urls" would override ASPNETCORE_URLS.
if (string.IsNullOrWhiteSpace(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
{
    builder.WebHost.UseUrls("https://127.0.0.1:7800");
}


builder.Services.AddOptions<ControlPlaneOptions>().BindConfiguration(ControlPlaneOptions.Section).ValidateDataAnnotations().ValidateOnStart();
var options = builder.Configuration.GetSection(ControlPlaneOptions.Section).Get<ControlPlaneOptions>() ?? new();
builder.WebHost.UseControlPlaneHttps(options);
builder.AddTunnelDatabase(options.DataDirectory);
builder.AddControlPlaneAuth(options);
builder.AddDashboard(options);

builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ApiProblemDetails.Explain);
// Bodies are strict (a misspelt key is refused, not dropped) and a body that cannot be read is explained.
builder.Services.ConfigureHttpJsonOptions(o => Tunnel.Shared.Serialization.StrictJson.Apply(o.SerializerOptions));
builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
builder.Services.AddExceptionHandler<BadRequestHandler>();
builder.Services.AddExceptionHandler<DatabaseUnavailableHandler>();
builder.Services.AddOpenApi();
// An edge's connection report grows with its connections (about 400 bytes each): room for a large edge.
builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = 64 * 1024 * 1024);
builder.Services.AddHttpContextAccessor();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<ControlPlaneKeys>();
builder.Services.AddSingleton<TokenIssuer>();
builder.Services.AddSingleton<ConfigChangeSignal>();
builder.Services.AddScoped<ConfigSnapshotBuilder>();
builder.Services.AddScoped<AuditLog>();
builder.Services.AddScoped<Tunnel.ControlPlane.Auth.UserDirectory>();
builder.Services.AddScoped<TunnelCatalog>();
builder.Services.AddScoped<ApiTokenStore>();
builder.Services.AddScoped<Tunnel.ControlPlane.Access.AccessCatalog>();
builder.Services.AddScoped<Tunnel.ControlPlane.Access.PolicyTester>();
builder.Services.AddScoped<Tunnel.ControlPlane.Access.AccessDecisionStore>();
builder.Services.AddScoped<Tunnel.ControlPlane.Traffic.TrafficStore>();
builder.Services.AddScoped<Tunnel.ControlPlane.Inspection.CaptureStore>();
builder.Services.AddScoped<Tunnel.ControlPlane.Certificates.CertificateLedger>();
builder.Services.AddScoped<Tunnel.ControlPlane.Inspection.CaptureSettingsStore>();
builder.Services.AddScoped<Tunnel.ControlPlane.Inspection.ReplayService>();
builder.Services.AddSingleton<Tunnel.ControlPlane.Inspection.ReplayDispatcher>();
builder.Services.AddHostedService<Tunnel.ControlPlane.Inspection.CaptureRetention>();
builder.Services.AddHostedService<Tunnel.ControlPlane.Certificates.CertificateRetention>();
builder.Services.AddScoped<Tunnel.ControlPlane.Access.AccessSnapshotBuilder>();
builder.Services.AddScoped<Tunnel.ControlPlane.QuickTunnels.QuickTunnelService>();
builder.Services.AddHostedService<Tunnel.ControlPlane.QuickTunnels.QuickTunnelReaper>();
builder.Services.AddQuickTunnelRateLimit(options.QuickTunnels);
builder.Services.AddHttpClient<Tunnel.ControlPlane.Access.ProviderDiscovery>();

var app = builder.Build();
if (options.Oidc.Problem is { } oidcProblem)
{
    app.Logger.LogError("Dashboard sign-in through OIDC is disabled: {Problem}. API tokens still sign in; the API and edges are unaffected.", oidcProblem);
}

await app.Services.MigrateDatabaseAsync(app.Lifetime.ApplicationStopping);
_ = app.Services.GetRequiredService<ControlPlaneKeys>(); // create missing keys at start, not on the first call

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseStaticFiles(); // the dashboard's vendored scripts (wwwroot/lib), before sign-in: they hold nothing private
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.MapDefaultEndpoints();
app.MapOpenApi("/api/openapi.json");
app.MapGrpcService<ConfigGrpcService>();
app.MapDashboard();

var api = app.MapGroup("/api").RequireApiToken();
api.MapTunnelsApi();
api.MapHostnamesApi();
api.MapConnectionsApi();
api.MapApiTokensApi();
api.MapUsersApi();
api.MapAuditApi();
api.MapIngressApi();
api.MapAccessApi();
api.MapTrafficApi();
api.MapInspectionApi();
api.MapCertificatesApi();
app.MapQuickTunnelsApi(options.QuickTunnels);

app.Run();

public partial class Program;
