using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Tunnel.Edge.Access;

/// <summary>
/// Data protection at the edge (OIDC correlation and nonce, the auth host's <c>tunnel_auth</c> session, antiforgery)
/// with the key ring the control plane gives every edge, under one application name: a login started at one edge
/// completes at any other, and its session works on all of them.
/// </summary>
public static class SharedKeyRingSetup
{
    public const string ApplicationName = "tunnel-edge";

    public static IServiceCollection AddSharedKeyRing(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName(ApplicationName).DisableAutomaticKeyGeneration();
        services.AddSingleton<SnapshotKeyRepository>();
        services.AddOptions<KeyManagementOptions>().Configure<SnapshotKeyRepository>((o, keys) => o.XmlRepository = keys);
        services.Replace(ServiceDescriptor.Singleton<IKeyManager>(sp =>
            new SnapshotKeyManager(ActivatorUtilities.CreateInstance<XmlKeyManager>(sp), sp.GetRequiredService<AccessState>())));
        // ASP.NET's preload of the key ring at start-up logs an error on an edge's first start, before the control plane
        // sent any key; the ring loads on first use instead (logins answer 503 until the keys are there). Every
        // AddDataProtection() registers the preload again, hence this runs after the services that call it.
        if (services.FirstOrDefault(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name == "DataProtectionHostedService") is { } preload)
        {
            services.Remove(preload);
        }

        return services;
    }
}
