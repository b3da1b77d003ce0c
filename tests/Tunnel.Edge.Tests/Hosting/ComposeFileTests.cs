using System.Reflection;
using YamlDotNet.RepresentationModel;

namespace Tunnel.Edge.Tests.Hosting;

/// <summary>
/// docker-compose.yml cannot run here (no Docker engine), so this keeps it honest by reading: every Edge__ and
/// ControlPlane__ setting it passes must name an option the code has, or the service would silently ignore it.
/// </summary>
public class ComposeFileTests
{
    private static YamlMappingNode Services()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "docker-compose.yml")))
        {
            dir = dir.Parent;
        }

        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(dir.FullName, "docker-compose.yml"))));
        return (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"];
    }

    private static IEnumerable<string> EnvironmentKeys(string service, string prefix) =>
        ((YamlMappingNode)((YamlMappingNode)Services()[service])["environment"]).Children.Keys
            .Select(k => ((YamlScalarNode)k).Value!)
            .Where(k => k.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>Follows A__B__0__C through the options types: properties, dictionaries and list indexes.</summary>
    private static bool Binds(Type type, IEnumerable<string> path)
    {
        foreach (var part in path)
        {
            if (int.TryParse(part, out _) && type.IsGenericType)
            {
                type = type.GetGenericArguments()[^1];
                continue;
            }

            if (type.IsArray)
            {
                type = type.GetElementType()!;
                continue;
            }

            var property = type.GetProperty(part, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null)
            {
                return false;
            }

            type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        }

        return true;
    }

    [Fact]
    public void Every_edge_setting_in_the_compose_file_is_an_edge_option()
    {
        var keys = EnvironmentKeys("edge", "Edge__").ToList();
        Assert.NotEmpty(keys);
        Assert.All(keys, key => Assert.True(Binds(typeof(EdgeOptions), key.Split("__").Skip(1)), $"{key} names no Edge option"));
        Assert.False(Binds(typeof(EdgeOptions), ["NoSuchOption"]));
    }
}
