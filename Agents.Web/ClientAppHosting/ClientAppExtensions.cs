using Microsoft.Net.Http.Headers;

namespace Agents.Web.ClientAppHosting;

public static class ClientAppExtensions
{
    /// <summary>
    /// Serves the browser app built into wwwroot: hashed files under /assets are cached for good, index.html never (so a
    /// new build is picked up at once); any other GET that is not a file, the api, the hubs or /ws gets index.html.
    /// </summary>
    public static WebApplication UseClientApp(this WebApplication app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = context =>
            {
                var immutable = context.Context.Request.Path.StartsWithSegments("/assets", StringComparison.Ordinal);
                context.Context.Response.Headers[HeaderNames.CacheControl] = immutable ? "public, max-age=31536000, immutable" : "no-cache";
            },
        });
        return app;
    }

    public static IEndpointConventionBuilder MapClientAppFallback(this IEndpointRouteBuilder app) =>
        app.MapFallbackToFile("index.html", new StaticFileOptions
        {
            OnPrepareResponse = context => context.Context.Response.Headers[HeaderNames.CacheControl] = "no-cache",
        });
}
