using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using StackExchange.Redis;

namespace Agents.Realtime.Presence;

/// <summary>
/// A live-only notice for a thread (typing, presence), fanned out to every Realtime instance. A presence notice carries
/// the version its list was read under (see <see cref="PresenceTracker.OnlineAsync"/>).
/// </summary>
public sealed record LiveNotice(Guid ThreadId, TypingEvent? Typing, PresenceEvent? Presence, long PresenceVersion = 0);

/// <summary>
/// Publishes typing and presence notices on a Redis channel that every instance subscribes to; each instance hands them
/// to its own connections of that thread, whichever transport they use (SignalR or /ws), one notice after the other in
/// the order they arrive. Notices published by different instances may arrive in another order than they were read,
/// so a presence list older than one already delivered for its thread is dropped: members end on the latest list.
/// Notices that queued up while one was being delivered are taken together, and of their presence lists for a thread
/// only the newest goes out: the others are out of date already. So a crowd joining a large thread costs its members a
/// list per delivery rather than one per join (joins x members messages, each as long as the list).
/// A notice's writes go to the kernel a batch at a time, as a message's fan-out does (<see cref="SendBatch"/>).
/// </summary>
public sealed partial class LiveNotices(
    IConnectionMultiplexer redis, ConnectionRegistry connections, SendBatches sendBatches, TimeProvider time, ILogger<LiveNotices> logger)
    : IHostedService
{
    /// <summary>The Redis channel every instance publishes its notices on and subscribes to.</summary>
    public const string ChannelName = "agents:live";

    private static readonly RedisChannel Channel = RedisChannel.Literal(ChannelName);

    /// <summary>Versions are Redis' clock in microseconds: one older than this can no longer be in flight.</summary>
    private static readonly TimeSpan ForgetVersionsAfter = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<Guid, long> _presenceVersions = new();
    private DateTimeOffset _nextForget;
    private Task _reading = Task.CompletedTask;

    public async Task PublishAsync(LiveNotice notice) =>
        await redis.GetSubscriber().PublishAsync(Channel, JsonSerializer.Serialize(notice, ProtocolJson.Options));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // A queue, not a handler: SE.Redis runs handlers concurrently, a queue hands its messages over in order.
        var queue = await redis.GetSubscriber().SubscribeAsync(Channel);
        _reading = ReadAsync(queue);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await redis.GetSubscriber().UnsubscribeAsync(Channel);
        await _reading.WaitAsync(cancellationToken);
    }

    private async Task ReadAsync(ChannelMessageQueue queue)
    {
        var queued = new List<LiveNotice>();
        try
        {
            while (true)
            {
                var message = await queue.ReadAsync();
                do
                {
                    if (Parse(message.Message) is { } notice)
                    {
                        queued.Add(notice);
                    }
                }
                while (queue.TryRead(out message));
                foreach (var notice in WithoutOutdatedPresence(queued))
                {
                    await DeliverAsync(notice);
                }
                queued.Clear();
            }
        }
        catch (ChannelClosedException)
        {
            // Unsubscribed: the instance is stopping.
        }
    }

    /// <summary>
    /// The notices in their order, less each presence list for whose thread the notices hold a newer one (a higher
    /// version, before or after it: lists from two instances can arrive out of order); typing notices are all kept.
    /// </summary>
    public static IEnumerable<LiveNotice> WithoutOutdatedPresence(IReadOnlyList<LiveNotice> notices)
    {
        var newest = new Dictionary<Guid, long>();
        foreach (var notice in notices)
        {
            if (notice.Presence is not null)
            {
                newest[notice.ThreadId] = Math.Max(newest.GetValueOrDefault(notice.ThreadId, long.MinValue), notice.PresenceVersion);
            }
        }
        return notices.Where(notice => notice.Presence is null || notice.PresenceVersion == newest[notice.ThreadId]);
    }

    private LiveNotice? Parse(RedisValue message)
    {
        try
        {
            return JsonSerializer.Deserialize<LiveNotice>((string)message!, ProtocolJson.Options);
        }
        catch (JsonException e)
        {
            LogDeliveryFailed(e);
            return null;
        }
    }

    private async Task DeliverAsync(LiveNotice notice)
    {
        try
        {
            if (notice.Presence is not null && !IsNewestPresence(notice))
            {
                return;
            }
            using var sends = sendBatches.Rent();
            foreach (var connection in connections.InThread(notice.ThreadId))
            {
                if (notice.Typing is { } typing)
                {
                    await SendBatch.Write(sends, (connection.Sink, typing), static write => write.Sink.SendTypingAsync(write.typing, CancellationToken.None));
                }
                if (notice.Presence is { } presence)
                {
                    await SendBatch.Write(sends, (connection.Sink, presence), static write => write.Sink.SendPresenceAsync(write.presence, CancellationToken.None));
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Logged and passed over: the reader goes on with the next notice.
            LogDeliveryFailed(e);
        }
    }

    /// <summary>Records the notice's version unless one at least as new was delivered for the thread already.</summary>
    private bool IsNewestPresence(LiveNotice notice)
    {
        ForgetOldVersions();
        var version = notice.PresenceVersion;
        var newest = _presenceVersions.AddOrUpdate(notice.ThreadId, version, (_, known) => Math.Max(known, version));
        if (newest != version)
        {
            LogStalePresence(notice.ThreadId, version, newest);
            return false;
        }
        return true;
    }

    private void ForgetOldVersions()
    {
        var now = time.GetUtcNow();
        if (now < _nextForget)
        {
            return;
        }
        _nextForget = now + ForgetVersionsAfter;
        var forgetBefore = (now - ForgetVersionsAfter - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond;
        foreach (var (threadId, version) in _presenceVersions)
        {
            if (version < forgetBefore)
            {
                _presenceVersions.TryRemove(new KeyValuePair<Guid, long>(threadId, version));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A live notice could not be delivered")]
    private partial void LogDeliveryFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Thread {ThreadId}: presence version {Version} arrived after {Newest}; dropped")]
    private partial void LogStalePresence(Guid threadId, long version, long newest);
}
