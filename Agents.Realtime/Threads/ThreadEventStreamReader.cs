using System.Diagnostics;
using StackExchange.Redis;

namespace Agents.Realtime.Threads;

/// <summary>
/// Reads the event stream (<see cref="EventStream"/>: what the Api and the message stores commit) and hands every event
/// to <see cref="ThreadDelivery"/>, but those all its connections have already (this instance's own message store
/// delivered them: <see cref="ThreadDelivery.DeliverCommitted"/>). Every Realtime instance reads every event (its own cursor, starting at the stream's
/// end) and serves its own connections: competing consumers would deliver one thread's events from several instances at
/// once, out of order. What an instance misses while it is down, its clients get from the log when they rejoin.
/// </summary>
public sealed partial class ThreadEventStreamReader(
    IConfiguration configuration, ThreadDelivery delivery, ILogger<ThreadEventStreamReader> logger) : BackgroundService
{
    private const int BlockMilliseconds = 1_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // XREAD BLOCK holds its connection while it waits, so the reader has a connection of its own.
        var options = RedisExtensions.ClientOptions(configuration.GetConnectionString(ResourceNames.Cache)!);
        options.AsyncTimeout = BlockMilliseconds * 5;
        options.ClientName = "realtime-stream-reader";
        await using var redis = await ConnectionMultiplexer.ConnectAsync(options);
        var database = redis.GetDatabase();
        var lastId = "$";
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var result = await database.ExecuteAsync("XREAD", "COUNT", 500, "BLOCK", BlockMilliseconds, "STREAMS", EventStream.Key, lastId).WaitAsync(stoppingToken);
                if (result.IsNull)
                {
                    continue;
                }
                // The batch goes out as one (see ThreadDelivery); the cursor moves only once it has. Each event's
                // "deliver" span joins the trace that made it (its traceparent on the stream).
                var batch = new List<TracedEvent>();
                var batchLastId = lastId;
                foreach (var (id, fields) in Entries(result))
                {
                    batchLastId = id;
                    if (EventStream.TryReadPosition(fields, out var threadId, out var seq) && delivery.DeliveredToAll(threadId, seq))
                    {
                        continue; // this instance's store sent it already: its payload is not even parsed
                    }
                    if (EventStream.Read(fields, out var problem) is { } threadEvent)
                    {
                        ActivityContext.TryParse(EventStream.TraceParentOf(fields), null, out var parent);
                        batch.Add(new TracedEvent(threadEvent, parent));
                    }
                    else
                    {
                        // Skipped, not retried: reading it again would fail again and hold up every later event. If
                        // it stood for a real event, the next event of its thread finds the gap and fills it from the log.
                        LogMalformedEntry(id, problem!);
                    }
                }
                await delivery.DeliverAsync(batch, stoppingToken);
                lastId = batchLastId;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                LogReadFailed(e);
                await Task.Delay(500, stoppingToken);
            }
        }
    }

    /// <summary>XREAD's answer: [[stream, [[id, [field, value, ...]], ...]]], each entry's values as they came.</summary>
    private static IEnumerable<(string Id, Dictionary<string, RedisValue> Fields)> Entries(RedisResult result)
    {
        foreach (var stream in (RedisResult[])result!)
        {
            foreach (var entry in (RedisResult[])((RedisResult[])stream!)[1]!)
            {
                var parts = (RedisResult[])entry!;
                var fields = (RedisResult[])parts[1]!;
                var values = new Dictionary<string, RedisValue>(fields.Length / 2);
                for (var i = 0; i + 1 < fields.Length; i += 2)
                {
                    values[(string)fields[i]!] = (RedisValue)fields[i + 1];
                }
                yield return ((string)parts[0]!, values);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped the event stream entry {EntryId}: {Problem}")]
    private partial void LogMalformedEntry(string entryId, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the event stream failed; retrying")]
    private partial void LogReadFailed(Exception exception);
}
