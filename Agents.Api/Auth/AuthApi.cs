using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Agents.Api.Auth;

public sealed record TokenRequest(
    [property: Required, StringLength(32, MinimumLength = 1), RegularExpression("^[A-Za-z0-9_.-]+$", ErrorMessage = "Use letters, digits, '_', '.' or '-'.")]
    string UserName);

public sealed record TokenResponse(string AccessToken, DateTimeOffset ExpiresAt, string UserName);

public static class AuthApi
{
    /// <summary>
    /// <c>POST /api/auth/token {userName}</c>: a short-lived development token for that user name, signed with the
    /// key the AppHost generated. Only in Development (or with Auth:AllowDevelopmentTokens); off (404) when a real
    /// authority (Auth:Authority) is configured.
    /// </summary>
    public static RouteGroupBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/auth").WithTags("Auth");
        group.MapPost("/token", IssueToken).WithName("IssueToken").WithSummary("Issue a development token for a user name").AllowAnonymous();
        return group;
    }

    private static Results<Ok<TokenResponse>, ProblemHttpResult> IssueToken(TokenRequest request, IOptions<AuthOptions> options, TimeProvider time, IHostEnvironment environment)
    {
        var auth = options.Value;
        if (!auth.UsesDevelopmentTokens)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Development tokens are off",
                detail: "This deployment signs users in through its identity provider (Auth:Authority).");
        }
        if (!environment.IsDevelopment() && !auth.AllowDevelopmentTokens)
        {
            // Anyone could be anyone with these tokens: only where that is what people want.
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Development tokens are off",
                detail: "Outside Development, set Auth:Authority for a real identity provider, or Auth:AllowDevelopmentTokens=true for a demo.");
        }
        var now = time.GetUtcNow();
        var expires = now + auth.TokenLifetime;
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity([new Claim(AuthenticationExtensions.UserNameClaim, request.UserName), new Claim("name", request.UserName)]),
            Issuer = auth.Issuer,
            Audience = auth.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(auth.DevelopmentSigningKey(), SecurityAlgorithms.HmacSha256),
        });
        return TypedResults.Ok(new TokenResponse(token, expires, request.UserName));
    }
}
