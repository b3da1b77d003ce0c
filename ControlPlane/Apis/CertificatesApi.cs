using Microsoft.AspNetCore.Http.HttpResults;
using Tunnel.ControlPlane.Certificates;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Tunnels;

namespace Tunnel.ControlPlane.Apis;

/// <summary>The ACME certificates of a tunnel's hostnames: issuer, validity, the last attempt and its error.</summary>
public static class CertificatesApi
{
    public static RouteGroupBuilder MapCertificatesApi(this RouteGroupBuilder api)
    {
        api.MapGet("/tunnels/{tunnel}/certificates", GetAsync).WithTags("Certificates");
        return api;
    }

    public static async Task<Results<Ok<List<CertificateView>>, ProblemHttpResult>> GetAsync(string tunnel, TunnelCatalog catalog, TunnelDbContext db,
        TimeProvider clock, CancellationToken ct)
    {
        if (await catalog.FindAsync(tunnel, ct) is not { } found)
        {
            return Problems.NotFound($"no tunnel named or with id '{tunnel}': list them with `tunnel list`");
        }

        return TypedResults.Ok(await CertificateView.ForAsync(db, found.Hostnames.Select(h => h.Name).Order(StringComparer.Ordinal), clock, ct));
    }
}
