using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

/// <summary>The Redis client integration, as Aspire.StackExchange.Redis: one multiplexer and a health check.</summary>
public static class RedisExtensions
{
    /// <summary>
    /// Registers an <see cref="IConnectionMultiplexer"/> for <c>ConnectionStrings:{connectionName}</c> that keeps
    /// retrying in the background (the service starts even if Redis is not up yet) and a health check that pings it.
    /// </summary>
    public static IHostApplicationBuilder AddRedisClient(this IHostApplicationBuilder builder, string connectionName)
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{connectionName} is missing: the AppHost sets ConnectionStrings__{connectionName}; when running alone, set it yourself.");
        }
        var options = ClientOptions(connectionString);
        options.ClientName ??= builder.Environment.ApplicationName;
        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options));
        builder.Services.AddHealthChecks().AddRedis(sp => sp.GetRequiredService<IConnectionMultiplexer>(), name: $"redis-{connectionName}", timeout: TimeSpan.FromSeconds(3));
        return builder;
    }

    /// <summary>
    /// The options every Redis client of the app connects with, for a connection of its own beside the shared one (a
    /// blocking reader): it keeps retrying in the background instead of failing at start, and completes on the .NET
    /// thread pool rather than StackExchange.Redis's own threads, one hand-off less per reply
    /// (bench/realtime/README.md, "A sharper instrument, fewer wake-ups").
    /// </summary>
    public static ConfigurationOptions ClientOptions(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;
        options.SocketManager = SocketManager.ThreadPool;
        return options;
    }
}
