using Tunnel.EndToEnd.Tests.Access;

namespace Tunnel.EndToEnd.Tests.Security;

/// <summary>
/// The attack tests share one Access stack (edge, control plane, provider, Chromium) and run one class at a time:
/// each test makes its own hostnames and applications, and fewer stacks leave the machine's two cores to the rest.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SecurityCollection : ICollectionFixture<AccessFixture>
{
    public const string Name = "security";
}
