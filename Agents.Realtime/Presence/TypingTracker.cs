using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Agents.Realtime.Presence;

/// <summary>
/// Typing state lives in Redis keys that expire after <see cref="RealtimeOptions.TypingTimeout"/>; a client refreshes
/// it while typing. The instance that announced "typing" announces "stopped" when the key is gone, so someone whose
/// client vanished stops typing for everyone within the timeout.
/// </summary>
public sealed class TypingTracker(IConnectionMultiplexer redis, LiveNotices notices, IOptions<RealtimeOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<(Guid ThreadId, string UserName), DateTimeOffset> _announced = new();

    private static RedisKey Key(Guid threadId, string userName) => $"agents:typing:{threadId}:{userName}";

    public async Task SetAsync(Guid threadId, string userName, bool isTyping)
    {
        var database = redis.GetDatabase();
        if (isTyping)
        {
            await database.StringSetAsync(Key(threadId, userName), 1, options.Value.TypingTimeout);
            var isNew = !_announced.ContainsKey((threadId, userName));
            _announced[(threadId, userName)] = time.GetUtcNow() + options.Value.TypingTimeout;
            if (isNew)
            {
                await notices.PublishAsync(new LiveNotice(threadId, new TypingEvent(threadId, userName, true), null));
            }
            return;
        }
        await database.KeyDeleteAsync(Key(threadId, userName));
        await StopAsync(threadId, userName);
    }

    /// <summary>Announces "stopped" for what expired: called every second by the heartbeat.</summary>
    public async Task ExpireAsync()
    {
        var now = time.GetUtcNow();
        foreach (var ((threadId, userName), deadline) in _announced.ToArray())
        {
            if (deadline > now)
            {
                continue;
            }
            var remaining = await redis.GetDatabase().KeyTimeToLiveAsync(Key(threadId, userName));
            if (remaining is { } ttl && ttl > TimeSpan.Zero)
            {
                _announced[(threadId, userName)] = now + ttl; // refreshed elsewhere (another connection or instance)
            }
            else
            {
                await StopAsync(threadId, userName);
            }
        }
    }

    private async Task StopAsync(Guid threadId, string userName)
    {
        if (_announced.TryRemove((threadId, userName), out _))
        {
            await notices.PublishAsync(new LiveNotice(threadId, new TypingEvent(threadId, userName, false), null));
        }
    }
}
