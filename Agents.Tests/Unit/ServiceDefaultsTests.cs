using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace Agents.Tests.Unit;

/// <summary>What the service defaults give every HTTP client (resilience, but not the exporters; lasting handlers and connections) and the HTTP server.</summary>
public sealed class ServiceDefaultsTests
{
    [Fact]
    public void ServiceClientsAreResilientButTheTelemetryExportersClientsAreNot()
    {
        using var host = ServiceWithTelemetryExport();
        var handlers = host.Services.GetRequiredService<IHttpMessageHandlerFactory>();

        Assert.Contains(Chain(handlers.CreateHandler("api")), handler => handler is ResilienceHandler);
        // The names the OpenTelemetry OTLP exporter asks the factory for when it exports over HTTP.
        foreach (var exporter in new[] { "OtlpTraceExporter", "OtlpMetricExporter", "OtlpLogExporter" })
        {
            var chain = Chain(handlers.CreateHandler(exporter));
            Assert.DoesNotContain(chain, handler => handler is ResilienceHandler);
            Assert.IsType<SocketsHttpHandler>(chain[^1]);
        }
    }

    [Fact]
    public void EveryClientKeepsItsHandlerForTheProcessLifeAndRenewsItsConnectionsEveryQuarterHour()
    {
        using var host = ServiceWithTelemetryExport();
        var handlers = host.Services.GetRequiredService<IHttpMessageHandlerFactory>();
        var factoryOptions = host.Services.GetRequiredService<IOptionsMonitor<HttpClientFactoryOptions>>();

        foreach (var client in new[] { "api", "OtlpTraceExporter", "OtlpMetricExporter", "OtlpLogExporter" })
        {
            // Without this the factory rebuilds the handler, and reopens its connections, every 2 minutes.
            Assert.Equal(Timeout.InfiniteTimeSpan, factoryOptions.Get(client).HandlerLifetime);
            var primary = Assert.IsType<SocketsHttpHandler>(Chain(handlers.CreateHandler(client))[^1]);
            Assert.Equal(TimeSpan.FromMinutes(15), primary.PooledConnectionLifetime);
            // Idle, too: the handler's default closes a connection after a minute without a request.
            Assert.Equal(TimeSpan.FromMinutes(15), primary.PooledConnectionIdleTimeout);
        }
    }

    [Fact]
    public void AClientMadeOutsideTheFactoryKeepsItsConnectionsAsTheFactorysClientsDo()
    {
        using var host = ServiceWithTelemetryExport();
        var fromFactory = Assert.IsType<SocketsHttpHandler>(Chain(host.Services.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler("api"))[^1]);
        // As the front door's proxy makes its own (YARP's forwarder client).
        using var own = new SocketsHttpHandler();

        Microsoft.Extensions.Hosting.Extensions.KeepConnections(own);

        Assert.Equal(fromFactory.PooledConnectionLifetime, own.PooledConnectionLifetime);
        Assert.Equal(fromFactory.PooledConnectionIdleTimeout, own.PooledConnectionIdleTimeout);
        Assert.Equal(TimeSpan.FromMinutes(15), own.PooledConnectionIdleTimeout);
    }

    [Fact]
    public void TheServerKeepsAnIdleConnectionLongerThanItsClientsDo()
    {
        using var host = ServiceWithTelemetryExport();
        var handlers = host.Services.GetRequiredService<IHttpMessageHandlerFactory>();
        var client = Assert.IsType<SocketsHttpHandler>(Chain(handlers.CreateHandler("api"))[^1]);

        var server = host.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value;

        // The client closes an idle connection, never the server while a request may be on its way on it.
        Assert.True(server.Limits.KeepAliveTimeout > client.PooledConnectionIdleTimeout,
            $"the server's keep-alive ({server.Limits.KeepAliveTimeout}) must outlast the client's idle timeout ({client.PooledConnectionIdleTimeout})");
        Assert.Equal(TimeSpan.FromMinutes(16), server.Limits.KeepAliveTimeout);
    }

    /// <summary>A service's host with the service defaults, exporting telemetry over OTLP/HTTP as the AppHost has it.</summary>
    private static IHost ServiceWithTelemetryExport()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:4318",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        });
        builder.AddServiceDefaults();
        return builder.Build();
    }

    private static List<HttpMessageHandler> Chain(HttpMessageHandler handler)
    {
        var chain = new List<HttpMessageHandler> { handler };
        while (chain[^1] is DelegatingHandler { InnerHandler: { } inner })
        {
            chain.Add(inner);
        }
        return chain;
    }
}
