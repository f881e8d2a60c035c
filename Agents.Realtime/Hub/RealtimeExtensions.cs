using Agents.Protocol.MessagePack;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Agents.Realtime.Hub;

public static class RealtimeExtensions
{
    /// <summary>The hub (with its Redis backplane), thread delivery from the event stream, presence and typing, limits.</summary>
    public static IHostApplicationBuilder AddRealtime(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RealtimeOptions>().BindConfiguration(RealtimeOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ClientWork>();
        builder.Services.AddSingleton<ConnectionRegistry>();
        builder.Services.AddSingleton<SendBatches>();
        builder.Services.AddSingleton<ThreadDelivery>();
        builder.Services.AddSingleton<ThreadSessions>();
        builder.Services.AddMessageStore();
        builder.Services.AddSingleton<MessageQueues>();
        builder.Services.AddSingleton<PresenceTracker>();
        builder.Services.AddSingleton<TypingTracker>();
        builder.Services.AddSingleton<LiveNotices>();
        builder.Services.AddSingleton<UserRateLimiter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LiveNotices>());
        builder.Services.AddHostedService<PresenceHeartbeat>();
        builder.Services.AddHostedService<ThreadEventStreamReader>();
        builder.Services.AddHostedService<IdleHeapCompaction>();
        builder.Services.AddSingleton<WebSocketHeartbeat>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WebSocketHeartbeat>());
        builder.Services.AddHttpClient<ApiClient>(client => client.BaseAddress = new Uri($"http://{ResourceNames.Api}"));

        builder.Services.AddSignalR(hub =>
            {
                hub.AddFilter<HubErrorFilter>();
                hub.AddFilter<HubRateLimitFilter>();
            })
            // Both protocols at once: each client picks one in its handshake (browsers JSON, .NET clients either).
            .AddMessagePackProtocol(messagePack => messagePack.SerializerOptions = ProtocolMessagePack.Options)
            .AddStackExchangeRedis(builder.Configuration.GetConnectionString(ResourceNames.Cache)!,
                redis => redis.Configuration.ChannelPrefix = RedisChannel.Literal("agents-signalr"));
        // Replaces the backplane's lifetime manager with one that also keeps this instance's connections (for SignalRSink).
        builder.Services.AddSingleton<LocalHubConnections>();
        builder.Services.AddSingleton<SharedHubMessages>();
        builder.Services.AddSingleton<HubLifetimeManager<AgentHub>, AgentHubLifetimeManager>();
        // Kestrel runs socket I/O continuations inline instead of queueing each to the thread pool: a broadcast writes to
        // every connection of a thread, and one fewer thread-pool hop per write is most of its cost. Nothing on the
        // hub's path blocks a thread (it is async to the Api, Postgres and Redis), which is what makes this safe here.
        builder.Services.Configure<SocketTransportOptions>(sockets => sockets.UnsafePreferInlineScheduling = true);
        builder.Services.AddOptions<HubOptions>()
            .Configure<IOptions<RealtimeOptions>>((hub, limits) =>
            {
                hub.MaximumReceiveMessageSize = limits.Value.MaxFrameBytes;
                hub.MaximumParallelInvocationsPerClient = limits.Value.MaxConcurrentCallsPerConnection;
                // The negotiated connections' pings (SignalR's own); direct ones are sent theirs by DirectHubConnection.Beat.
                hub.KeepAliveInterval = limits.Value.HubKeepAliveInterval;
            });
        return builder;
    }
}
