using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Agents.Realtime.Hub;

/// <summary>One client connection on this instance: who it is, the token it acts with, the threads it joined.</summary>
public sealed class ClientConnection(string connectionId, string userName, string accessToken, IEventSink sink)
{
    public string ConnectionId { get; } = connectionId;

    public string UserName { get; } = userName;

    /// <summary>The user's token, used to call the Api on their behalf; never logged.</summary>
    public string AccessToken { get; } = accessToken;

    /// <summary>Where this connection's events go (SignalR or the plain WebSocket).</summary>
    public IEventSink Sink { get; } = sink;

    public JoinedThreads JoinedThreads { get; } = new();

    private volatile bool _removed;

    /// <summary>Set once the registry has let the connection go: nothing more is delivered to it.</summary>
    public bool Removed => _removed;

    internal void MarkRemoved() => _removed = true;

    private readonly Lock _outgoingLock = new();

    // Made on the first message: most connections only receive.
    private Dictionary<Guid, OutgoingMessages>? _outgoing;

    /// <summary>This connection's queue of messages to a thread.</summary>
    public OutgoingMessages Outgoing(Guid threadId, Func<OutgoingMessages> create)
    {
        lock (_outgoingLock)
        {
            _outgoing ??= [];
            if (!_outgoing.TryGetValue(threadId, out var queue))
            {
                queue = create();
                _outgoing[threadId] = queue;
            }
            return queue;
        }
    }
}

/// <summary>
/// The threads one connection joined: few, rarely changed, read on every heartbeat. A copy-on-write array, so an idle
/// connection holds the shared empty one (a ConcurrentDictionary here cost every connection about 500 bytes).
/// </summary>
public sealed class JoinedThreads
{
    private Guid[] _threads = [];

    /// <summary>The threads joined at the moment of the call (later joins and leaves do not change it).</summary>
    public IReadOnlyList<Guid> Snapshot() => Volatile.Read(ref _threads);

    public bool Contains(Guid threadId) => Array.IndexOf(Volatile.Read(ref _threads), threadId) >= 0;

    public void Add(Guid threadId) => Update(threads => threads.Contains(threadId) ? threads : [.. threads, threadId]);

    public void Remove(Guid threadId) => Update(threads => threads.Contains(threadId) ? [.. threads.Where(t => t != threadId)] : threads);

    private void Update(Func<Guid[], Guid[]> change)
    {
        var current = Volatile.Read(ref _threads);
        while (true)
        {
            var changed = change(current);
            var seen = Interlocked.CompareExchange(ref _threads, changed, current);
            if (ReferenceEquals(seen, current))
            {
                return;
            }
            current = seen;
        }
    }
}

/// <summary>Delivers thread events and live notices to one connection, whatever its transport.</summary>
public interface IEventSink
{
    ValueTask SendEventAsync(ThreadEvent threadEvent, CancellationToken cancellationToken);

    /// <summary>Several events in seq order; a transport that can sends them in one write.</summary>
    async ValueTask SendEventsAsync(IReadOnlyList<ThreadEvent> events, CancellationToken cancellationToken)
    {
        foreach (var threadEvent in events)
        {
            await SendEventAsync(threadEvent, cancellationToken);
        }
    }

    ValueTask SendTypingAsync(TypingEvent typing, CancellationToken cancellationToken);

    ValueTask SendPresenceAsync(PresenceEvent presence, CancellationToken cancellationToken);
}

/// <summary>
/// The connections this instance holds. Their number is the metric <c>agents.realtime.connections</c>, by
/// <c>agents.connection.transport</c> (<c>signalr</c> or <c>websocket</c>): SignalR's own <c>signalr.server.*</c> metrics
/// count only the hub connections of its HTTP layer, not those taken before the HTTP server.
/// </summary>
public sealed class ConnectionRegistry
{
    private static readonly KeyValuePair<string, object?> SignalRTransport = new("agents.connection.transport", "signalr");
    private static readonly KeyValuePair<string, object?> WebSocketTransport = new("agents.connection.transport", "websocket");

    private readonly ConcurrentDictionary<string, ClientConnection> _connections = new();
    private readonly ClientWork _work;
    // Counted as connections come and go: an observable count would walk every connection at each metric export.
    private readonly UpDownCounter<int> _open;

    public ConnectionRegistry(ClientWork work, IMeterFactory meters)
    {
        _work = work;
        _open = meters.Create("Agents.Realtime").CreateUpDownCounter<int>("agents.realtime.connections", "{connection}",
            "Client connections open on this instance, hub and /ws.");
    }

    private static KeyValuePair<string, object?> Transport(ClientConnection connection) =>
        connection.Sink is SignalRSink ? SignalRTransport : WebSocketTransport;

    public void Add(ClientConnection connection)
    {
        _work.Record();
        if (!_connections.TryAdd(connection.ConnectionId, connection))
        {
            throw new InvalidOperationException($"Connection {connection.ConnectionId} is registered already.");
        }
        _open.Add(1, Transport(connection));
    }

    public ClientConnection? Remove(string connectionId)
    {
        _work.Record();
        if (!_connections.TryRemove(connectionId, out var removed))
        {
            return null;
        }
        removed.MarkRemoved();
        _open.Add(-1, Transport(removed));
        return removed;
    }

    public ClientConnection Get(string connectionId) =>
        _connections.TryGetValue(connectionId, out var connection)
            ? connection
            : throw new HubOperationException(ErrorCodes.Unauthorized, "This connection is not registered; reconnect.");

    public IReadOnlyCollection<ClientConnection> All => [.. _connections.Values];

    /// <summary>The local connections that joined a thread.</summary>
    public IEnumerable<ClientConnection> InThread(Guid threadId) => _connections.Values.Where(c => c.JoinedThreads.Contains(threadId));
}
