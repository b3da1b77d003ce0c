using System.Reflection;

namespace Tunnel.EndToEnd.Tests.Infrastructure;

/// <summary>Where the built programs are: beside their projects, in the same configuration as these tests.</summary>
public static class Binaries
{
    public static readonly string RepoRoot = FindRoot();
    /// <summary>Debug or Release: the configuration these tests (and so the programs beside them) were built in.</summary>
    public static readonly string Configuration =
        typeof(Binaries).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string ControlPlane => Dll("ControlPlane", "Tunnel.ControlPlane");
    public static string Edge => Dll("Edge", "Tunnel.Edge");
    public static string Connector => Dll("Connector", "tunnel");
    public static string DemoOrigin => Dll("tests/Tunnel.DemoOrigin", "Tunnel.DemoOrigin");

    /// <summary>Where a project's build output is (what its Docker image holds in /app).</summary>
    public static string OutputDirectory(string project) => Path.Combine(RepoRoot, project, "bin", Configuration, "net10.0");

    private static string Dll(string project, string assembly)
    {
        var path = Path.Combine(OutputDirectory(project), assembly + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built: run `dotnet build Tunnel.sln -c {Configuration}`", path);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Tunnel.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Tunnel.sln not found above " + AppContext.BaseDirectory);
    }
}
