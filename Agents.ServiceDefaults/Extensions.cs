using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every service of the app shares: OpenTelemetry, health checks, service discovery and resilient HTTP,
/// in the shape of the .NET Aspire service defaults template.
/// </summary>
public static class Extensions
{
    private const string HealthEndpointPath = "/health";
    private const string AlivenessEndpointPath = "/alive";

    /// <summary>Tag of the checks that say the process is alive (as opposed to ready).</summary>
    public const string LiveTag = "live";

    /// <summary>
    /// How long an HTTP client's connection is reused before a new one is opened (a DNS change shows then), busy or idle.
    /// </summary>
    private static readonly TimeSpan PooledConnectionLifetime = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long the services' HTTP server keeps an idle connection open: longer than its clients do, so that the client
    /// closes it, never the server while the client is sending a request on it.
    /// </summary>
    private static readonly TimeSpan ServerKeepAliveTimeout = PooledConnectionLifetime + TimeSpan.FromMinutes(1);

    /// <summary>The names the OTLP exporter (over HTTP) asks the HTTP client factory for.</summary>
    private static readonly string[] OtlpExporterClientNames = ["OtlpTraceExporter", "OtlpMetricExporter", "OtlpLogExporter"];

    /// <summary>
    /// How a client of the app's services keeps its connections: each is reused for <see cref="PooledConnectionLifetime"/>,
    /// busy or idle, then replaced. Every client from the HTTP client factory gets it; a client made otherwise (the front
    /// door's proxy) takes it from here.
    /// </summary>
    public static void KeepConnections(SocketsHttpHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        handler.PooledConnectionLifetime = PooledConnectionLifetime;
        handler.PooledConnectionIdleTimeout = PooledConnectionLifetime;
    }

    /// <summary>Adds telemetry, health checks, service discovery and a resilience handler on every HttpClient.</summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
            // The factory's default rebuilds every client's handler, and with it its connections, every 2 minutes. That
            // churn (the expiry, the old connections' disposal, the new connections here and on the server's side, all
            // compiled by the JIT as they first run) landed on the server core as a burst of several hundred methods
            // in the Api, Realtime and Web two minutes after start (bench/realtime/README.md, "Connections that
            // last"). One handler for the process's life, whose connections are renewed now and then so that a DNS
            // change still gets through, does the factory's job without it.
            // The same goes for a connection closed after a minute idle (the handler's default), as Realtime's to the
            // Api between two joins: on both sides, its close was the JIT's first sight of that path, 50-70 ms of it in
            // each process, on the server core (bench/realtime/README.md, "Connections that last").
            http.SetHandlerLifetime(Timeout.InfiniteTimeSpan);
            http.UseSocketsHttpHandler((handler, _) => KeepConnections(handler));
        });
        builder.Services.Configure<KestrelServerOptions>(kestrel => kestrel.Limits.KeepAliveTimeout = ServerKeepAliveTimeout);
        return builder;
    }

    /// <summary>
    /// Logs, metrics and traces, exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the AppHost sets it,
    /// with <c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c> and the dashboard's API key in <c>OTEL_EXPORTER_OTLP_HEADERS</c>).
    /// </summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        // Semantic Kernel's model spans (GenAI conventions: gen_ai.operation.name, gen_ai.request.model, token usage) are
        // behind a switch; the non-sensitive one keeps prompts and replies out of telemetry.
        AppContext.SetSwitch("Microsoft.SemanticKernel.Experimental.GenAI.EnableOTelDiagnostics", true);
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("Npgsql")
                .AddMeter("Microsoft.SemanticKernel*")
                .AddMeter("Microsoft.Extensions.AI")
                .AddMeter("Microsoft.AspNetCore.Http.Connections")
                .AddMeter("Agents.*"))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource("Agents.*")
                .AddSource("Microsoft.SemanticKernel*")
                .AddSource("Microsoft.Extensions.AI")
                // A span per hub method call (SendMessage, JoinThread...): where a user turn's trace starts.
                .AddSource("Microsoft.AspNetCore.SignalR.Server")
                .AddAspNetCoreInstrumentation(aspNetCore =>
                    // Health probes run every few seconds; they would drown the traces people look for.
                    aspNetCore.Filter = context => !IsHealthProbe(context.Request.Path))
                .AddHttpClientInstrumentation(http =>
                    http.FilterHttpRequestMessage = request => request.RequestUri is null || !IsHealthProbe(request.RequestUri.AbsolutePath)));

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
            // The exporters' clients (from the factory, so ConfigureHttpClientDefaults reached them) go without the
            // standard resilience handler: the exporter times out and retries on its own, a second retry loop around
            // it only holds the export thread longer, and the handler's own rejections (an open circuit, its timeouts)
            // are not the HttpRequestException the exporter catches. It also cost more than the send it wraps: 0.6 ms
            // of Realtime's CPU a second against 0.4 (bench/realtime/README.md, "Idle CPU").
            foreach (var exporterClient in OtlpExporterClientNames)
            {
                builder.Services.AddHttpClient(exporterClient).ConfigureAdditionalHttpMessageHandlers((handlers, _) =>
                {
                    foreach (var resilience in handlers.OfType<ResilienceHandler>().ToList())
                    {
                        handlers.Remove(resilience);
                    }
                });
            }
        }
        return builder;
    }

    /// <summary>A liveness check every service has; dependencies add readiness checks of their own.</summary>
    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary><c>/health</c>: every check must pass (ready). <c>/alive</c>: only the liveness checks.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthEndpointPath, new HealthCheckOptions { ResponseWriter = HealthResponseWriter.WriteAsync });
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag) });
        return app;
    }

    private static bool IsHealthProbe(PathString path) =>
        path.StartsWithSegments(HealthEndpointPath) || path.StartsWithSegments(AlivenessEndpointPath);

    private static bool IsHealthProbe(string path) => IsHealthProbe(new PathString(path));
}
