using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Agents.Hosting.Dashboard;

/// <summary>The pages: one HTML shell, a script and a stylesheet, embedded in this assembly.</summary>
internal static class DashboardPages
{
    private static readonly (string Path, string Resource, string ContentType)[] Files =
    [
        ("/", "dashboard/index.html", "text/html; charset=utf-8"),
        ("/dashboard.js", "dashboard/dashboard.js", "text/javascript; charset=utf-8"),
        ("/dashboard.css", "dashboard/dashboard.css", "text/css; charset=utf-8"),
    ];

    public static void MapDashboardPages(this IEndpointRouteBuilder app, DashboardSettings settings)
    {
        foreach (var (path, resource, contentType) in Files)
        {
            var content = Read(resource);
            app.MapGet(path, () => Results.Bytes(content, contentType)).RequireDashboardLogin(settings);
        }
    }

    private static byte[] Read(string resource)
    {
        using var stream = typeof(DashboardPages).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The dashboard file {resource} is not embedded.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
