using System.Net;
using System.Net.Http.Headers;
using Agents.Hosting.Otlp;
using Agents.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.Tests.Dashboard;

/// <summary>When the dashboard runs, and how it is secured; each test starts an empty model (no resources), which is quick.</summary>
public sealed class DashboardSettingsTests
{
    [Fact]
    public async Task TheTestingBuilderRunsWithoutDashboardByDefault()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.Configuration["ASPNETCORE_URLS"] = "http://127.0.0.1:1";
        builder.Configuration["DOTNET_DASHBOARD_OTLP_HTTP_ENDPOINT_URL"] = "http://127.0.0.1:2";
        await using var app = await builder.BuildAsync(TestContext.Current.CancellationToken);
        await app.StartAsync(TestContext.Current.CancellationToken).WithTimeout();

        var settings = app.GetDashboardSettings();
        Assert.False(settings.IsEnabled);
        Assert.Null(settings.FrontendUrl);
        Assert.Null(settings.OtlpHttpUrl);
    }

    [Fact]
    public async Task SecuredDashboardNeedsTheCookieAndTheApiKey()
    {
        await using var app = await StartEmptyAsync(secured: true);
        var settings = app.GetDashboardSettings();
        using var http = new HttpClient { BaseAddress = settings.FrontendUrl };

        using var api = await http.GetAsync("/api/resources", TestContext.Current.CancellationToken).WithTimeout();
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        using var otlp = await PostEmptyTracesAsync(settings.OtlpHttpUrl!);
        Assert.Equal(HttpStatusCode.Unauthorized, otlp.StatusCode);
        Assert.Matches("^[0-9a-f]{32}$", settings.BrowserToken!);

        // Each port serves its own part only.
        using var otlpPort = new HttpClient { BaseAddress = settings.OtlpHttpUrl };
        using var page = await otlpPort.GetAsync(new Uri($"/login?t={settings.BrowserToken}", UriKind.Relative), TestContext.Current.CancellationToken).WithTimeout();
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        using var login = await http.GetAsync(new Uri($"/login?t={settings.BrowserToken}", UriKind.Relative), TestContext.Current.CancellationToken).WithTimeout();
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        using var frontendPort = await PostEmptyTracesAsync(settings.FrontendUrl!);
        Assert.Equal(HttpStatusCode.NotFound, frontendPort.StatusCode);
        Assert.Equal(new Uri(settings.FrontendUrl!, $"/login?t={settings.BrowserToken}"), settings.LoginUrl);
    }

    [Fact]
    public async Task UnsecuredDashboardIsOpenForLocalUse()
    {
        await using var app = await StartEmptyAsync(secured: false);
        var settings = app.GetDashboardSettings();
        using var http = new HttpClient { BaseAddress = settings.FrontendUrl };

        using var api = await http.GetAsync("/api/resources", TestContext.Current.CancellationToken).WithTimeout();
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        using var otlp = await PostEmptyTracesAsync(settings.OtlpHttpUrl!);
        Assert.Equal(HttpStatusCode.OK, otlp.StatusCode);
        Assert.Null(settings.BrowserToken);
        Assert.Null(settings.OtlpApiKey);
        Assert.NotNull(app.Services.GetRequiredService<TelemetryStore>());
    }

    [Fact]
    public async Task TelemetryLimitsComeFromConfiguration()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.Configuration["Dashboard:TelemetryLimits:MaxTraceCount"] = "7";
        builder.Configuration["Dashboard:TelemetryLimits:MaxLogCount"] = "8";
        await using var app = await builder.BuildAsync(TestContext.Current.CancellationToken);

        var limits = app.Services.GetRequiredService<TelemetryStore>().Limits;
        Assert.Equal((7, 8, 10_000), (limits.MaxTraceCount, limits.MaxLogCount, limits.MaxMetricsCount));
    }

    private static async Task<DistributedApplication> StartEmptyAsync(bool secured)
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.EnableDashboard(secured);
        var app = await builder.BuildAsync(TestContext.Current.CancellationToken);
        await app.StartAsync(TestContext.Current.CancellationToken).WithTimeout();
        return app;
    }

    private static async Task<HttpResponseMessage> PostEmptyTracesAsync(Uri otlp)
    {
        using var http = new HttpClient { BaseAddress = otlp };
        using var content = new ByteArrayContent([]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        return await http.PostAsync("/v1/traces", content, TestContext.Current.CancellationToken).WithTimeout();
    }
}
