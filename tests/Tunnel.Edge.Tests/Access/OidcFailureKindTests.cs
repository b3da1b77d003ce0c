using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Tunnel.Shared.Security;

namespace Tunnel.Edge.Tests.Access;

public class OidcFailureKindTests
{
    [Theory]
    [InlineData("Message contains error: 'invalid_client', error_description: 'client authentication failed', error_uri: 'error_uri is null'.", OidcFailureKind.ClientRejected)]
    [InlineData("Message contains error: 'unauthorized_client', error_description: 'x', error_uri: 'error_uri is null'.", OidcFailureKind.ClientRejected)]
    [InlineData("Message contains error: 'invalid_redirect_uri', error_description: 'x', error_uri: 'error_uri is null'.", OidcFailureKind.RequestRefused)]
    [InlineData("Message contains error: 'invalid_request', error_description: 'redirect_uri did not match', error_uri: 'error_uri is null'.", OidcFailureKind.RequestRefused)]
    [InlineData("Message contains error: 'access_denied', error_description: 'x', error_uri: 'error_uri is null'.", OidcFailureKind.Denied)]
    [InlineData("Message contains error: 'server_error', error_description: 'x', error_uri: 'error_uri is null'.", OidcFailureKind.ProviderError)]
    public void A_provider_error_code_says_who_must_fix_what(string message, string kind) =>
        Assert.Equal(kind, OidcFailureKind.Classify(new OpenIdConnectProtocolException(message)));

    [Fact]
    public void Network_and_discovery_failures_are_the_provider_unreachable()
    {
        Assert.Equal(OidcFailureKind.ProviderUnreachable, OidcFailureKind.Classify(new InvalidOperationException("IDX20803: Unable to obtain configuration from: '…'", new HttpRequestException("refused"))));
        Assert.Equal(OidcFailureKind.ProviderUnreachable, OidcFailureKind.Classify(new HttpRequestException("Connection refused")));
    }

    [Fact]
    public void A_lost_or_forged_state_is_a_login_to_start_again()
    {
        Assert.Equal(OidcFailureKind.StateExpired, OidcFailureKind.Classify(new AuthenticationFailureException("Correlation failed.")));
        Assert.Equal(OidcFailureKind.StateExpired, OidcFailureKind.Classify(new AuthenticationFailureException("Unable to unprotect the message.State.")));
    }

    private sealed class AuthenticationFailureException(string message) : Exception(message);
}
