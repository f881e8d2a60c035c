using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace Agents.Api.Status;

public static class StatusApi
{
    /// <summary>
    /// <c>GET /api/health</c>: the Api's readiness (database, cache, schema) as JSON, reachable through the front
    /// door so the browser app can tell a person what is down.
    /// </summary>
    public static IEndpointConventionBuilder MapStatusApi(this IEndpointRouteBuilder app) =>
        app.MapHealthChecks("/api/health", new HealthCheckOptions { ResponseWriter = HealthResponseWriter.WriteAsync })
            .WithDisplayName("Api health");
}
