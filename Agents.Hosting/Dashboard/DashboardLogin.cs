using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Agents.Hosting.Dashboard;

/// <summary>Browser login with the token printed at start (<c>/login?t=...</c>, as Aspire's), kept in a cookie.</summary>
internal static class DashboardLogin
{
    public static void MapDashboardLogin(this IEndpointRouteBuilder app, DashboardSettings settings)
    {
        app.MapGet("/login", async (HttpContext context, string? t) =>
        {
            if (settings.BrowserToken is null)
            {
                return Results.Redirect("/");
            }
            if (t is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(t), Encoding.UTF8.GetBytes(settings.BrowserToken)))
            {
                return Results.Content(
                    "<!doctype html><title>Dashboard login</title><p>Open the login link the AppHost printed at start " +
                    "(<code>Login to the dashboard at http://.../login?t=...</code>).</p>",
                    "text/html", statusCode: t is null ? StatusCodes.Status200OK : StatusCodes.Status401Unauthorized);
            }
            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "dashboard")], CookieAuthenticationDefaults.AuthenticationScheme);
            await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
            return Results.Redirect("/");
        }).AllowAnonymous();
    }

    /// <summary>Pages and API need the login cookie, unless the dashboard runs unsecured.</summary>
    public static TBuilder RequireDashboardLogin<TBuilder>(this TBuilder builder, DashboardSettings settings) where TBuilder : IEndpointConventionBuilder =>
        settings.BrowserToken is null ? builder : builder.RequireAuthorization();
}
