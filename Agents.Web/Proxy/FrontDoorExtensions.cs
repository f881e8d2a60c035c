using Yarp.ReverseProxy.ServiceDiscovery;

namespace Agents.Web.Proxy;

public static class FrontDoorExtensions
{
    /// <summary>
    /// YARP routes from the ReverseProxy configuration section (/api to the Api; /hubs and /ws to Realtime), with
    /// destinations such as http://api resolved through service discovery, and readiness checks on both services.
    /// </summary>
    public static IHostApplicationBuilder AddFrontDoor(this IHostApplicationBuilder builder)
    {
        builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
            // The proxy's connections to the services last as the services' own clients' do: its client does not come
            // from the HTTP client factory, so it would close a connection after a minute idle, and a request after a
            // quiet minute would open a new one (bench/realtime/README.md, "The front door's connections too").
            .ConfigureHttpClient((_, handler) => Microsoft.Extensions.Hosting.Extensions.KeepConnections(handler));
        builder.Services.AddSingleton<IDestinationResolver, ServiceDiscoveryDestinationResolver>();
        builder.Services.AddHttpClient(DownstreamHealthCheck.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(3));
        builder.Services.AddHealthChecks()
            .AddTypeActivatedCheck<DownstreamHealthCheck>(ResourceNames.Api, args: $"http://{ResourceNames.Api}")
            .AddTypeActivatedCheck<DownstreamHealthCheck>(ResourceNames.Realtime, args: $"http://{ResourceNames.Realtime}");
        return builder;
    }

    /// <summary>The proxy routes; WebSocket upgrades pass through YARP as they are.</summary>
    public static IEndpointConventionBuilder MapFrontDoor(this IEndpointRouteBuilder app) => app.MapReverseProxy();
}
