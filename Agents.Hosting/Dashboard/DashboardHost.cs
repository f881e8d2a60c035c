using Agents.Hosting.Otlp;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Agents.Hosting.Dashboard;

/// <summary>
/// The dashboard inside the AppHost process: a small web app on the dashboard URL (pages and their JSON/SSE API) and on
/// the OTLP URL (the receiver). Started before the orchestrator, so services find the receiver listening.
/// </summary>
internal sealed partial class DashboardHost(
    DashboardSettings settings,
    TelemetryStore telemetry,
    ResourceNotificationService notifications,
    ResourceLoggerService resourceLogs,
    IServiceProvider appHostServices,
    ILogger<DashboardHost> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _web;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!settings.IsEnabled)
        {
            return;
        }
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = typeof(DashboardHost).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        // The AppHost's own host handles Ctrl+C and SIGTERM (and stops this app); this one must not take them.
        builder.Services.AddSingleton<IHostLifetime, NoSignalsLifetime>();
        builder.WebHost.UseUrls([.. new[] { settings.FrontendUrl, settings.OtlpHttpUrl }.OfType<Uri>().Select(u => u.GetLeftPart(UriPartial.Authority)).Distinct()]);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(telemetry);
        builder.Services.AddSingleton(notifications);
        builder.Services.AddSingleton(resourceLogs);
        builder.Services.AddSingleton(_ => appHostServices.GetRequiredService<ResourceCommandService>());
        builder.Services.AddProblemDetails();
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(cookie =>
        {
            cookie.Cookie.Name = ".Agents.Dashboard";
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.LoginPath = "/login";
            // The API answers 401 rather than redirecting scripts to the login page.
            cookie.Events.OnRedirectToLogin = context =>
            {
                if (context.Request.Path.StartsWithSegments("/api"))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                }
                else
                {
                    context.Response.Redirect(context.RedirectUri);
                }
                return Task.CompletedTask;
            };
        });
        builder.Services.AddAuthorization();

        var web = builder.Build();
        web.UseStatusCodePages();
        web.UseAuthentication();
        web.UseAuthorization();
        // One server, two endpoints as Aspire's: the receiver answers only on the OTLP port, the pages only on theirs.
        var separatePorts = settings.OtlpHttpUrl?.Port != settings.FrontendUrl?.Port;
        if (settings.OtlpHttpUrl is { } otlpUrl)
        {
            var otlp = web.MapGroup("");
            if (separatePorts)
            {
                otlp.RequireHost($"*:{otlpUrl.Port}");
            }
            otlp.MapOtlpReceiver(settings);
        }
        if (settings.FrontendUrl is { } frontendUrl)
        {
            var frontend = web.MapGroup("");
            if (separatePorts)
            {
                frontend.RequireHost($"*:{frontendUrl.Port}");
            }
            frontend.MapDashboardLogin(settings);
            frontend.MapDashboardPages(settings);
            frontend.MapDashboardApi(settings);
        }
        try
        {
            await web.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            await web.DisposeAsync();
            throw new DistributedApplicationException(
                $"The dashboard cannot listen on {settings.FrontendUrl} / {settings.OtlpHttpUrl}: {e.Message}. Change ASPNETCORE_URLS and " +
                $"DOTNET_DASHBOARD_OTLP_HTTP_ENDPOINT_URL (Agents.AppHost/Properties/launchSettings.json), or stop what uses the port.", e);
        }
        _web = web;
        if (settings.FrontendUrl is not null)
        {
            LogDashboard(settings.FrontendUrl, settings.LoginUrl!);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_web is { } web)
        {
            // Live pages hold SSE requests open: a short grace period, then they are cut.
            using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            grace.CancelAfter(TimeSpan.FromSeconds(2));
            await web.StopAsync(grace.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_web is { } web)
        {
            await web.DisposeAsync();
        }
    }

    private sealed class NoSignalsLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Now listening on: {DashboardUrl}. Login to the dashboard at {LoginUrl}")]
    private partial void LogDashboard(Uri dashboardUrl, Uri loginUrl);
}
