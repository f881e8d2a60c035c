using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Agents.Messaging;

/// <summary>
/// Puts committed events on the Redis stream that Realtime instances read (<see cref="EventStream"/>). Called after
/// commit: if this fails (or the process dies first) the event is still in the log, and readers fill the gap from there
/// when the next event of the thread arrives or when a client rejoins.
/// </summary>
public sealed partial class EventPublisher(IConnectionMultiplexer redis, ILogger<EventPublisher> logger)
{
    private const int ApproximateMaxLength = 100_000;

    public async Task PublishAsync(IEnumerable<ThreadEvent> events)
    {
        var database = redis.GetDatabase();
        // The trace of the request, hub call or run that made the events: Realtime's delivery joins it.
        var traceParent = System.Diagnostics.Activity.Current?.Id;
        // Sent back to back on one connection (pipelined, in order), awaited together: one round trip for a message's
        // events, which a reader then usually gets in one XREAD and delivers in one write.
        var added = events.Select(threadEvent => (threadEvent, Task: database.StreamAddAsync(EventStream.Key,
            EventStream.Entry(threadEvent, traceParent), maxLength: ApproximateMaxLength, useApproximateMaxLength: true))).ToList();
        foreach (var (threadEvent, task) in added)
        {
            try
            {
                await task;
            }
            catch (Exception e) when (e is RedisException or TimeoutException) // RedisTimeoutException is a TimeoutException
            {
                LogPublishFailed(e, threadEvent.ThreadId, threadEvent.Seq);
            }
        }
    }

    public Task PublishAsync(params ThreadEvent[] events) => PublishAsync((IEnumerable<ThreadEvent>)events);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish event {Seq} of thread {ThreadId}; readers will take it from the log")]
    private partial void LogPublishFailed(Exception exception, Guid threadId, long seq);
}
