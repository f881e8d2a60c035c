using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Agents.Messaging;

public static class MessagingExtensions
{
    /// <summary>
    /// The message store with what it needs besides the database and Redis clients (registered by the service defaults'
    /// <c>AddNpgsqlDataSource</c> and <c>AddRedisClient</c>): the event publisher and the workers' registry.
    /// </summary>
    public static IServiceCollection AddMessageStore(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<EventPublisher>();
        services.TryAddSingleton<WorkerRegistry>();
        services.TryAddSingleton<MessageStore>();
        return services;
    }
}
