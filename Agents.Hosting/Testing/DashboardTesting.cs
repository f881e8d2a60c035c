using Agents.Hosting.Dashboard;
using Agents.Hosting.Orchestration;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.Hosting.Testing;

/// <summary>Turns the dashboard on for a test (the testing builder runs without it, as Aspire's).</summary>
public static class DashboardTesting
{
    /// <summary>
    /// Serves the dashboard and its OTLP receiver on free loopback ports and gives services the OTLP contract.
    /// <paramref name="secured"/> keeps the browser token and the OTLP API key, as a person's AppHost has them.
    /// </summary>
    public static IDistributedApplicationTestingBuilder EnableDashboard(this IDistributedApplicationTestingBuilder builder, bool secured = true)
    {
        var ports = new PortAllocator();
        builder.Options.DisableDashboard = false;
        builder.Configuration[DashboardSettings.FrontendUrlsKey] = $"http://127.0.0.1:{ports.GetFreePort()}";
        builder.Configuration[DashboardSettings.OtlpHttpUrlKey] = $"http://127.0.0.1:{ports.GetFreePort()}";
        builder.Configuration[DashboardSettings.AllowAnonymousKey] = secured ? "false" : "true";
        return builder;
    }

    /// <summary>The dashboard's settings as resolved for this run (URLs, login token, OTLP key).</summary>
    public static DashboardSettings GetDashboardSettings(this DistributedApplication app) => app.Services.GetRequiredService<DashboardSettings>();
}
