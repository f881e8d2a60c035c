using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Microsoft.Extensions.Hosting;

/// <summary>JWT bearer authentication shared by the Api and Realtime.</summary>
public static class AuthenticationExtensions
{
    /// <summary>The claim that holds the user name.</summary>
    public const string UserNameClaim = "sub";

    /// <summary>
    /// Bearer tokens from the Authorization header; on the real-time paths (/hubs, /ws) also from the
    /// <c>access_token</c> query parameter, which browsers must use for WebSockets. Nowhere else.
    /// </summary>
    public static IHostApplicationBuilder AddAgentsAuthentication(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>()
            .BindConfiguration(AuthOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>>((jwt, auth) => Configure(jwt, auth.Value));
        builder.Services.AddAuthorization();
        return builder;
    }

    /// <summary>The key development tokens are signed with.</summary>
    public static SymmetricSecurityKey DevelopmentSigningKey(this AuthOptions options) => new(options.SigningKeyBytes());

    private static void Configure(JwtBearerOptions jwt, AuthOptions auth)
    {
        jwt.MapInboundClaims = false;
        jwt.SaveToken = true;
        jwt.TokenValidationParameters.NameClaimType = UserNameClaim;
        jwt.TokenValidationParameters.ValidAudience = auth.Audience;
        if (auth.UsesDevelopmentTokens)
        {
            jwt.TokenValidationParameters.ValidIssuer = auth.Issuer;
            jwt.TokenValidationParameters.IssuerSigningKey = auth.DevelopmentSigningKey();
            jwt.TokenValidationParameters.ClockSkew = TimeSpan.FromSeconds(30);
        }
        else
        {
            jwt.Authority = auth.Authority;
        }
        jwt.Events = new JwtBearerEvents
        {
            OnMessageReceived = context =>
            {
                var path = context.HttpContext.Request.Path;
                if ((path.StartsWithSegments("/hubs") || path.StartsWithSegments("/ws"))
                    && context.Request.Query.TryGetValue("access_token", out var token))
                {
                    context.Token = token.ToString();
                }
                return Task.CompletedTask;
            },
        };
    }

    /// <summary>The signed-in user's name.</summary>
    public static string UserName(this System.Security.Claims.ClaimsPrincipal user) =>
        user.FindFirst(UserNameClaim)?.Value ?? throw new InvalidOperationException("The user has no name claim.");

    /// <summary>The bearer token of the request, for calls made on the user's behalf.</summary>
    public static string? BearerToken(this HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim();
        }
        return context.Request.Query.TryGetValue("access_token", out var token) ? token.ToString() : null;
    }
}
