using System.Collections.Concurrent;
using System.Diagnostics;

namespace Agents.Realtime.Threads;

/// <summary>
/// Delivers each thread's events to this instance's connections in seq order, each exactly once. Every connection has
/// its own cursor (the last seq it was sent): an event it already has is skipped, a gap is filled from the Api's log
/// with the connection's own token before the event goes out. A join replays the log outside the thread's lock, then
/// catches up and starts live delivery under it, so live events can neither overtake the replay nor be missed.
/// </summary>
public sealed partial class ThreadDelivery(ApiClient api, ClientWork work, SendBatches sendBatches, ILogger<ThreadDelivery> logger)
{
    private static readonly ActivitySource Tracing = new("Agents.Realtime.Delivery");

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
            channel.Add(connection, caughtUp);
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
                channel.Remove(connection);
            }
            finally
            {
                channel.Gate.Release();
            }
        }
    }

    /// <summary>
    /// Called for every batch read from the stream (events in stream order, each with the trace that made it). A
    /// connection is sent all of a thread's events of the batch in a row, so the transport can send them in one write
    /// rather than one write per event.
    /// </summary>
    public async Task DeliverAsync(IReadOnlyList<TracedEvent> events, CancellationToken cancellationToken)
    {
        work.Record();
        foreach (var thread in events.GroupBy(e => e.Event.ThreadId))
        {
            if (_threads.TryGetValue(thread.Key, out var channel))
            {
                await DeliverToThreadAsync(channel, thread.Key, [.. thread], cancellationToken);
            }
        }
    }

    /// <summary>
    /// Takes the events of one thread that this instance's message store has just committed, to deliver them without
    /// waiting for the stream to bring them back: the way from a sender to this instance's members skips a Redis round
    /// trip and the reader's turn. They are delivered on the thread pool, so the sender's acknowledgement and its next
    /// store call do not wait for the fan-out; a delivery of the thread already under way takes them along in its next
    /// write. A connection that misses an earlier event (another writer's, still on the stream) gets them from the
    /// stream, after it.
    /// </summary>
    public void DeliverCommitted(IReadOnlyList<ThreadEvent> events)
    {
        if (events.Count == 0 || !_threads.TryGetValue(events[0].ThreadId, out var channel))
        {
            return; // no connection here is in the thread
        }
        var parent = Activity.Current?.Context ?? default;
        channel.AddCommitted(events.Select(e => new TracedEvent(e, parent)));
        ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Delivery.DeliverCommittedAsync(state.Channel, state.ThreadId),
            (Delivery: this, Channel: channel, ThreadId: events[0].ThreadId), preferLocal: false);
    }

    private async Task DeliverCommittedAsync(ThreadChannel channel, Guid threadId)
    {
        try
        {
            work.Record();
            await DeliverToThreadAsync(channel, threadId, [], CancellationToken.None);
        }
        catch (Exception e)
        {
            LogCommittedDeliveryFailed(e, threadId); // the stream brings them
        }
    }

    /// <summary>
    /// Whether every connection of this instance in the event's thread has it already (sent from the store, or from the
    /// log when it joined), so the stream's copy has nothing to do here.
    /// </summary>
    public bool DeliveredToAll(Guid threadId, long seq) => _threads.TryGetValue(threadId, out var channel) && seq <= channel.DeliveredToAll;

    /// <summary>
    /// A "deliver" span in the trace of whatever made the event (the message's store call, the agent's run), so a user
    /// turn reads as one trace from the hub call to the last delivery.
    /// </summary>
    private static Activity? StartDeliverActivity(Pending pending)
    {
        var threadEvent = pending.Traced.Event;
        var activity = Tracing.StartActivity("deliver " + threadEvent.Type, ActivityKind.Consumer, pending.Traced.Parent);
        activity?.SetTag("agents.thread.id", threadEvent.ThreadId);
        activity?.SetTag("agents.event.seq", threadEvent.Seq);
        activity?.SetTag("agents.event.type", threadEvent.Type);
        activity?.SetTag("agents.delivery.source", pending.FromStream ? DeliverySources.Stream : DeliverySources.Store);
        if (pending.FromStream)
        {
            activity?.SetTag("messaging.system", "redis");
            activity?.SetTag("messaging.destination.name", EventStream.Key);
        }
        return activity;
    }

    /// <summary>
    /// Under the thread's gate: the stream's batch together with whatever the store committed meanwhile, in seq order,
    /// but what every connection has already. A stream event after a gap is sent once the gap is filled from the log; a
    /// committed event after a gap is left to its stream copy, which comes after the missing event. Events the store
    /// commits while the fan-out is under way join it (see <see cref="FanOut"/>).
    /// </summary>
    private async Task DeliverToThreadAsync(ThreadChannel channel, Guid threadId, TracedEvent[] fromStream, CancellationToken cancellationToken)
    {
        await channel.Gate.WaitAsync(cancellationToken);
        var spans = new List<Activity>();
        var outer = Activity.Current;
        try
        {
            var floor = channel.DeliveredToAll;
            if (!channel.HasCommitted && (fromStream.Length == 0 || fromStream.Max(e => e.Event.Seq) <= floor))
            {
                // Nothing new: the stream's copy of an event that went out meanwhile, or committed events that a fan-out
                // under way took along. Asked before the batch is built: a delivery often finds this.
                return;
            }
            var batch = BatchOf(fromStream, channel.TakeCommitted(), floor);
            if (batch.Length == 0)
            {
                return;
            }
            StartDeliverActivities(batch, spans, outer);
            var events = batch.Select(p => p.Traced.Event).ToArray();
            var contiguous = events.Zip(events.Skip(1)).All(pair => pair.Second.Seq == pair.First.Seq + 1);
            var fanOut = contiguous ? new FanOut(events) : null;
            using var sends = sendBatches.Rent();
            var firstPass = true;
            long lastBeforePass;
            do
            {
                lastBeforePass = fanOut?.Last ?? 0;
                var visited = 0;
                foreach (var member in channel.Members)
                {
                    var connection = member.Connection;
                    if (connection.Removed)
                    {
                        continue; // disconnected; its leave is on its way
                    }
                    if ((++visited & (FanOut.MembersBetweenChecks - 1)) == 0)
                    {
                        sends?.Flush();
                        if (ThreadPool.PendingWorkItemCount > 0)
                        {
                            // Work queued meanwhile goes first, on this thread: most often a message just received, on
                            // its way to the store, which then joins this fan-out below instead of waiting for its end.
                            await Task.Yield();
                        }
                        if (fanOut?.TryTakeCommitted(channel) is { } joined)
                        {
                            StartDeliverActivities(joined, spans, outer);
                        }
                    }
                    try
                    {
                        if (fanOut is not null && fanOut.Covers(member.LastSent))
                        {
                            // The usual case: the connection has everything before the run and gets the rest of it, in one write.
                            if (fanOut.EventsAfter(member.LastSent) is { } run)
                            {
                                await SendBatch.Write(sends, (connection.Sink, run, cancellationToken),
                                    static write => write.Sink.SendEventsAsync(write.run, write.cancellationToken));
                                member.LastSent = run[^1].Seq;
                            }
                        }
                        else if (firstPass)
                        {
                            sends?.Flush(); // what the batch holds goes before a replay from the log
                            await SendOneByOneAsync(member, threadId, batch, cancellationToken);
                        }
                    }
                    catch (HubOperationException e)
                    {
                        // This connection cannot read the thread any more (token expired, removed): stop delivering to it.
                        LogDropped(connection.ConnectionId, threadId, e.Code);
                        channel.Remove(connection);
                    }
                }
                sends?.Flush();
                firstPass = false;
            }
            while (fanOut is not null && fanOut.Last != lastBeforePass); // events joined: the members walked before lack them
            var last = fanOut?.Last ?? events[^1].Seq;
            channel.DeliveredToAll = channel.Members.Where(m => !m.Connection.Removed).Select(m => m.LastSent).DefaultIfEmpty(Math.Max(floor, last)).Min();
        }
        finally
        {
            spans.ForEach(span => span.Dispose());
            Activity.Current = outer;
            channel.Gate.Release();
        }
    }

    /// <summary>
    /// The stream's events and those committed here, after <paramref name="floor"/>, in seq order, each once (the stream's
    /// copy first). A method of its own so that the closure over the floor is made only when there is a batch to build.
    /// </summary>
    private static Pending[] BatchOf(TracedEvent[] fromStream, IReadOnlyList<TracedEvent> committed, long floor) =>
        fromStream.Select(e => new Pending(e, FromStream: true))
            .Concat(committed.Select(e => new Pending(e, FromStream: false)))
            .Where(p => p.Traced.Event.Seq > floor)
            .OrderBy(p => p.Traced.Event.Seq).ThenBy(p => p.FromStream ? 0 : 1)
            .DistinctBy(p => p.Traced.Event.Seq)
            .ToArray();

    /// <summary>Each event's span is open while the fan-out runs; none is the child of another.</summary>
    private static void StartDeliverActivities(IEnumerable<Pending> pending, List<Activity> spans, Activity? outer)
    {
        foreach (var item in pending)
        {
            if (StartDeliverActivity(item) is { } span)
            {
                spans.Add(span);
            }
            Activity.Current = outer;
        }
    }

    /// <summary>A connection that is behind or ahead of the batch: event by event, a gap filled from the log first.</summary>
    private async Task SendOneByOneAsync(Member member, Guid threadId, Pending[] batch, CancellationToken cancellationToken)
    {
        var connection = member.Connection;
        foreach (var (traced, isFromStream) in batch)
        {
            var threadEvent = traced.Event;
            if (threadEvent.Seq <= member.LastSent)
            {
                continue;
            }
            if (threadEvent.Seq > member.LastSent + 1)
            {
                if (!isFromStream)
                {
                    continue; // its stream copy comes after the event before it
                }
                // The stream skipped something (a publish lost after commit): the log has it.
                LogGap(threadId, member.LastSent, threadEvent.Seq);
                (member.LastSent, _) = await ReplayAsync(connection, threadId, member.LastSent, cancellationToken, upTo: threadEvent.Seq - 1);
            }
            await connection.Sink.SendEventAsync(threadEvent, cancellationToken);
            member.LastSent = Math.Max(member.LastSent, threadEvent.Seq);
        }
    }

    /// <summary>
    /// The fan-out of a run of a thread's events without a gap. Events the store commits while it is under way join the
    /// run when they follow it: the members not walked yet get them in the same write as the rest of the run, those
    /// already walked in one more pass. So a message that comes in during a long fan-out (a slow client, the core taken
    /// by something else) goes out at once to the members still to come, rather than waiting for the whole fan-out to
    /// end and another to start from the first member; and under load a member gets several events in one write.
    /// </summary>
    private sealed class FanOut(ThreadEvent[] events)
    {
        /// <summary>
        /// How many members a pass walks between looks for newly committed events (a power of two): as many as write in
        /// one system call, since the batch of sends is flushed there.
        /// </summary>
        public const int MembersBetweenChecks = SendBatch.WritesPerFlush;

        private ThreadEvent[] _events = events;
        private readonly Dictionary<int, ThreadEvent[]> _tails = [];

        public long First => _events[0].Seq;

        public long Last => _events[^1].Seq;

        /// <summary>Whether a member with this last seq can be sent the run's events without a gap.</summary>
        public bool Covers(long lastSent) => lastSent + 1 >= First;

        /// <summary>
        /// The run's events after <paramref name="lastSent"/> (none: null), the same array for every member at the same
        /// place, so that its frame is built once.
        /// </summary>
        public ThreadEvent[]? EventsAfter(long lastSent)
        {
            if (lastSent >= Last)
            {
                return null;
            }
            if (lastSent < First)
            {
                return _events;
            }
            var from = (int)(lastSent + 1 - First);
            if (!_tails.TryGetValue(from, out var tail))
            {
                _tails[from] = tail = _events[from..];
            }
            return tail;
        }

        /// <summary>Takes in what the store committed right after the run, if anything; returns it, for its spans.</summary>
        public Pending[]? TryTakeCommitted(ThreadChannel channel)
        {
            if (channel.TakeCommittedFrom(Last + 1) is not { } joined)
            {
                return null;
            }
            _events = [.. _events, .. joined.Select(e => e.Event)];
            _tails.Clear();
            return [.. joined.Select(e => new Pending(e, FromStream: false))];
        }
    }

    /// <summary>An event of a delivery, and whether it came from the stream (rather than this instance's store).</summary>
    private readonly record struct Pending(TracedEvent Traced, bool FromStream);

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

    /// <summary>A thread's connections on this instance; changed and read under <see cref="Gate"/>.</summary>
    private sealed class ThreadChannel
    {
        private readonly Dictionary<string, Member> _members = [];
        private Member[]? _snapshot;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        private long _deliveredToAll;

        private readonly Lock _committedLock = new();
        private List<TracedEvent> _committed = [];
        private volatile bool _hasCommitted;

        /// <summary>Whether anything committed waits to be taken (read without the lock).</summary>
        public bool HasCommitted => _hasCommitted;

        /// <summary>
        /// The lowest last seq of the members: every member has every event up to it. Written under <see cref="Gate"/>
        /// after each delivery and lowered by a join, read without the gate by the stream reader (a stale value only
        /// costs a walk of the members, which the gate's own check then skips).
        /// </summary>
        public long DeliveredToAll
        {
            get => Volatile.Read(ref _deliveredToAll);
            set => Volatile.Write(ref _deliveredToAll, value);
        }

        /// <summary>Events this instance's store committed, for the next delivery of the thread to take.</summary>
        public void AddCommitted(IEnumerable<TracedEvent> events)
        {
            lock (_committedLock)
            {
                _committed.AddRange(events);
                _hasCommitted = _committed.Count > 0;
            }
        }

        /// <summary>
        /// What was committed since the last take. Never the list that <see cref="AddCommitted"/> goes on adding to: the
        /// caller reads it outside the lock.
        /// </summary>
        public IReadOnlyList<TracedEvent> TakeCommitted()
        {
            lock (_committedLock)
            {
                if (_committed.Count == 0)
                {
                    return [];
                }
                var taken = _committed;
                _committed = [];
                _hasCommitted = false;
                return taken;
            }
        }

        /// <summary>
        /// What was committed, if it goes on from <paramref name="nextSeq"/> without a gap (for a fan-out under way to
        /// take along); otherwise null and it stays for the next delivery. Looks without the lock first: a fan-out
        /// asks every few members.
        /// </summary>
        public TracedEvent[]? TakeCommittedFrom(long nextSeq)
        {
            if (!_hasCommitted)
            {
                return null;
            }
            lock (_committedLock)
            {
                if (RunFrom(_committed, nextSeq) is not { } next)
                {
                    return null;
                }
                // What is before nextSeq went out with the run (or comes from the stream to whoever lacks it).
                _committed = [];
                _hasCommitted = false;
                return next.Length > 0 ? next : null;
            }
        }

        /// <summary>
        /// The committed events from <paramref name="nextSeq"/> on, in seq order; null when one is missing between. A
        /// method of its own because its lambdas capture <paramref name="nextSeq"/>: in the caller, their closure was
        /// made on every look, with nothing committed too (1.5 KB a message at 40/s).
        /// </summary>
        private static TracedEvent[]? RunFrom(List<TracedEvent> committed, long nextSeq)
        {
            var next = committed.Where(e => e.Event.Seq >= nextSeq).OrderBy(e => e.Event.Seq).DistinctBy(e => e.Event.Seq).ToArray();
            return next.Select((e, i) => e.Event.Seq != nextSeq + i).Any(gap => gap) ? null : next;
        }

        /// <summary>
        /// The members as an array, made again only after a join or a leave: every delivery walks it, and holds each
        /// connection itself, so there is no lookup by connection id per delivery.
        /// </summary>
        public Member[] Members => _snapshot ??= [.. _members.Values];

        public void Add(ClientConnection connection, long lastSent)
        {
            _members[connection.ConnectionId] = new Member(connection) { LastSent = lastSent };
            _snapshot = null;
            DeliveredToAll = Math.Min(DeliveredToAll, lastSent);
        }

        public void Remove(ClientConnection connection)
        {
            if (_members.Remove(connection.ConnectionId))
            {
                _snapshot = null;
            }
        }
    }

    /// <summary>A connection in a thread, with the last seq it was sent.</summary>
    private sealed class Member(ClientConnection connection)
    {
        public ClientConnection Connection { get; } = connection;

        public long LastSent { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Thread {ThreadId}: the stream jumped from {LastSent} to {Seq}; filling the gap from the log")]
    private partial void LogGap(Guid threadId, long lastSent, long seq);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivering the committed events of thread {ThreadId} failed here; the stream brings them")]
    private partial void LogCommittedDeliveryFailed(Exception exception, Guid threadId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection {ConnectionId} no longer receives thread {ThreadId}: {Code}")]
    private partial void LogDropped(string connectionId, Guid threadId, string code);
}

/// <summary>The values of a "deliver" span's <c>agents.delivery.source</c>: how the event reached this instance.</summary>
public static class DeliverySources
{
    /// <summary>From this instance's own message store, right after the commit.</summary>
    public const string Store = "store";

    /// <summary>From the Redis event stream (another writer's event, or one the store could not deliver to everyone here).</summary>
    public const string Stream = "stream";
}

/// <summary>An event to deliver, with the trace that made it (its "deliver" span's parent; none: the current activity).</summary>
public readonly record struct TracedEvent(ThreadEvent Event, ActivityContext Parent);
