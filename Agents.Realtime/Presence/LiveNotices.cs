using System.Collections.Concurrent;
using System.Text.Json;
using StackExchange.Redis;

namespace Agents.Realtime.Presence;

/// <summary>A live-only notice for a thread (typing, presence), fanned out to every Realtime instance.</summary>
public sealed record LiveNotice(Guid ThreadId, TypingEvent? Typing, PresenceEvent? Presence);

/// <summary>
/// Publishes typing and presence notices on a Redis channel that every instance subscribes to; each instance hands them
/// to its own connections of that thread, whichever transport they use (SignalR or /ws).
/// </summary>
public sealed partial class LiveNotices(IConnectionMultiplexer redis, ConnectionRegistry connections, ILogger<LiveNotices> logger) : IHostedService
{
    private static readonly RedisChannel Channel = RedisChannel.Literal("agents:live");
    private readonly ConcurrentDictionary<Guid, IReadOnlyList<string>> _lastPresence = new();

    /// <summary>The last presence list any instance announced for the thread, as this instance received it.</summary>
    public IReadOnlyList<string>? LastPresence(Guid threadId) => _lastPresence.GetValueOrDefault(threadId);

    public async Task PublishAsync(LiveNotice notice) =>
        await redis.GetSubscriber().PublishAsync(Channel, JsonSerializer.Serialize(notice, ProtocolJson.Options));

    public async Task StartAsync(CancellationToken cancellationToken) =>
        await redis.GetSubscriber().SubscribeAsync(Channel, (channel, message) => _ = DeliverAsync(message));

    public Task StopAsync(CancellationToken cancellationToken) => redis.GetSubscriber().UnsubscribeAsync(Channel);

    private async Task DeliverAsync(RedisValue message)
    {
        try
        {
            var notice = JsonSerializer.Deserialize<LiveNotice>((string)message!, ProtocolJson.Options);
            if (notice is null)
            {
                return;
            }
            if (notice.Presence is { } announced)
            {
                if (announced.Users.Count == 0)
                {
                    _lastPresence.TryRemove(notice.ThreadId, out _);
                }
                else
                {
                    _lastPresence[notice.ThreadId] = announced.Users;
                }
            }
            foreach (var connection in connections.InThread(notice.ThreadId))
            {
                if (notice.Typing is { } typing)
                {
                    await connection.Sink.SendTypingAsync(typing, CancellationToken.None);
                }
                if (notice.Presence is { } presence)
                {
                    await connection.Sink.SendPresenceAsync(presence, CancellationToken.None);
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or IOException)
        {
            LogDeliveryFailed(e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A live notice could not be delivered")]
    private partial void LogDeliveryFailed(Exception exception);
}
