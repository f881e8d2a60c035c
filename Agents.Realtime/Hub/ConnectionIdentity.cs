using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Agents.Realtime.Hub;

/// <summary>
/// A connection keeps its request's user for as long as it is open: the hub needs only the user's name from it, so
/// after the token is validated the user is replaced by one holding just that claim. The validated token, its claims
/// (each with its own properties) and a saved copy of the token would otherwise stay in memory per connection, several
/// KiB each (bench/realtime: memory per idle connection). The token itself is still read from the request for calls
/// to the Api on the user's behalf.
/// </summary>
public static class ConnectionIdentity
{
    public static IServiceCollection AddSlimConnectionIdentity(this IServiceCollection services) =>
        services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, jwt =>
        {
            jwt.SaveToken = false;
            var validated = jwt.Events.OnTokenValidated;
            jwt.Events.OnTokenValidated = async context =>
            {
                await validated(context);
                if (context.Principal is { } principal)
                {
                    context.Principal = Slim(principal);
                }
            };
        });

    public static ClaimsPrincipal Slim(ClaimsPrincipal principal)
    {
        var name = principal.FindFirst(AuthenticationExtensions.UserNameClaim)?.Value;
        var identity = new ClaimsIdentity(
            name is null ? [] : [new Claim(AuthenticationExtensions.UserNameClaim, name)],
            principal.Identity?.AuthenticationType ?? JwtBearerDefaults.AuthenticationScheme,
            AuthenticationExtensions.UserNameClaim, roleType: null);
        return new ClaimsPrincipal(identity);
    }
}
