using System.Collections.Concurrent;

namespace Agents.Realtime.Threads;

/// <summary>
/// Delivers each thread's events to this instance's connections in seq order, each exactly once. Every connection has
/// its own cursor (the last seq it was sent): an event it already has is skipped, a gap is filled from the Api's log
/// with the connection's own token before the event goes out. A join replays the log outside the thread's lock, then
/// catches up and starts live delivery under it, so live events can neither overtake the replay nor be missed.
/// </summary>
public sealed partial class ThreadDelivery(ApiClient api, ClientWork work, ILogger<ThreadDelivery> logger)
{
    private readonly ConcurrentDictionary<Guid, ThreadChannel> _threads = new();

    /// <summary>Sends every event after <paramref name="afterSeq"/>, then keeps the connection live. Returns the last seq sent and how many were replayed.</summary>
    public async Task<(long LastSeq, int Replayed)> JoinAsync(ClientConnection connection, Guid threadId, long afterSeq, CancellationToken cancellationToken)
    {
        // The first page also checks membership: the Api answers 404 to non-members.
        var (cursor, replayed) = await ReplayAsync(connection, threadId, afterSeq, cancellationToken);
        var channel = _threads.GetOrAdd(threadId, _ => new ThreadChannel());
        await channel.Gate.WaitAsync(cancellationToken);
        try
        {
            var (caughtUp, more) = await ReplayAsync(connection, threadId, cursor, cancellationToken);
            channel.Cursors[connection.ConnectionId] = caughtUp;
            connection.JoinedThreads.Add(threadId);
            return (caughtUp, replayed + more);
        }
        finally
        {
            channel.Gate.Release();
        }
    }

    public async Task LeaveAsync(ClientConnection connection, Guid threadId)
    {
        connection.JoinedThreads.Remove(threadId);
        if (_threads.TryGetValue(threadId, out var channel))
        {
            await channel.Gate.WaitAsync();
            try
            {
                channel.Cursors.Remove(connection.ConnectionId);
            }
            finally
            {
                channel.Gate.Release();
            }
        }
    }

    /// <summary>
    /// Called for every batch read from the stream (events in stream order). A connection is sent all of a thread's
    /// events of the batch in a row, so the transport can send them in one write rather than one write per event.
    /// </summary>
    public async Task DeliverAsync(IReadOnlyList<ThreadEvent> events, Func<string, ClientConnection?> findConnection, CancellationToken cancellationToken)
    {
        work.Record();
        foreach (var thread in events.GroupBy(e => e.ThreadId))
        {
            if (_threads.TryGetValue(thread.Key, out var channel))
            {
                await DeliverToThreadAsync(channel, thread.Key, [.. thread], findConnection, cancellationToken);
            }
        }
    }

    private async Task DeliverToThreadAsync(ThreadChannel channel, Guid threadId, ThreadEvent[] events, Func<string, ClientConnection?> findConnection, CancellationToken cancellationToken)
    {
        var contiguous = events.Zip(events.Skip(1)).All(pair => pair.Second.Seq == pair.First.Seq + 1);
        await channel.Gate.WaitAsync(cancellationToken);
        try
        {
            foreach (var (connectionId, lastSent) in channel.Cursors.ToArray())
            {
                if (findConnection(connectionId) is not { } connection)
                {
                    continue;
                }
                try
                {
                    if (contiguous && events[0].Seq == lastSent + 1)
                    {
                        // The usual case: the connection has everything before the batch and gets all of it, in one write.
                        await connection.Sink.SendEventsAsync(events, cancellationToken);
                        channel.Cursors[connectionId] = events[^1].Seq;
                        continue;
                    }
                    var cursor = lastSent;
                    foreach (var threadEvent in events)
                    {
                        if (threadEvent.Seq <= cursor)
                        {
                            continue;
                        }
                        if (threadEvent.Seq > cursor + 1)
                        {
                            // The stream skipped something (a publish lost after commit): the log has it.
                            LogGap(threadId, cursor, threadEvent.Seq);
                            (cursor, _) = await ReplayAsync(connection, threadId, cursor, cancellationToken, upTo: threadEvent.Seq - 1);
                        }
                        await connection.Sink.SendEventAsync(threadEvent, cancellationToken);
                        cursor = Math.Max(cursor, threadEvent.Seq);
                        channel.Cursors[connectionId] = cursor;
                    }
                }
                catch (HubOperationException e)
                {
                    // This connection cannot read the thread any more (token expired, removed): stop delivering to it.
                    LogDropped(connectionId, threadId, e.Code);
                    channel.Cursors.Remove(connectionId);
                }
            }
        }
        finally
        {
            channel.Gate.Release();
        }
    }

    public async Task RemoveConnectionAsync(ClientConnection connection)
    {
        foreach (var threadId in connection.JoinedThreads.Snapshot())
        {
            await LeaveAsync(connection, threadId);
        }
    }

    private async Task<(long Cursor, int Sent)> ReplayAsync(ClientConnection connection, Guid threadId, long afterSeq, CancellationToken cancellationToken, long upTo = long.MaxValue)
    {
        var cursor = afterSeq;
        var sent = 0;
        while (cursor < upTo)
        {
            var page = await api.GetEventsAsync(connection.AccessToken, threadId, cursor, cancellationToken);
            foreach (var threadEvent in page.Events.Where(e => e.Seq > cursor && e.Seq <= upTo))
            {
                await connection.Sink.SendEventAsync(threadEvent, cancellationToken);
                cursor = threadEvent.Seq;
                sent++;
            }
            if (!page.HasMore)
            {
                break;
            }
        }
        return (cursor, sent);
    }

    private sealed class ThreadChannel
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        /// <summary>Connection id to the last seq it was sent.</summary>
        public Dictionary<string, long> Cursors { get; } = [];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Thread {ThreadId}: the stream jumped from {LastSent} to {Seq}; filling the gap from the log")]
    private partial void LogGap(Guid threadId, long lastSent, long seq);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection {ConnectionId} no longer receives thread {ThreadId}: {Code}")]
    private partial void LogDropped(string connectionId, Guid threadId, string code);
}
