using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.Extensions.Options;

namespace Agents.Realtime.Hub;

/// <summary>This instance's SignalR connections, so events can be written to them directly.</summary>
public sealed class LocalHubConnections
{
    private readonly ConcurrentDictionary<string, HubConnectionContext> _connections = new();

    public void Add(HubConnectionContext connection) => _connections[connection.ConnectionId] = connection;

    public void Remove(string connectionId) => _connections.TryRemove(connectionId, out _);

    public HubConnectionContext Get(string connectionId) => _connections[connectionId];
}

/// <summary>
/// The Redis backplane's lifetime manager (hub-wide sends still cross instances through it), which also records this
/// instance's connections in <see cref="LocalHubConnections"/>. SignalR calls it before the hub's OnConnectedAsync.
/// </summary>
public sealed class AgentHubLifetimeManager(
    LocalHubConnections local,
    ILogger<RedisHubLifetimeManager<AgentHub>> logger,
    IOptions<RedisOptions> options,
    IHubProtocolResolver protocols,
    IOptions<HubOptions> globalHubOptions,
    IOptions<HubOptions<AgentHub>> hubOptions)
    : RedisHubLifetimeManager<AgentHub>(logger, options, protocols, globalHubOptions, hubOptions)
{
    public override Task OnConnectedAsync(HubConnectionContext connection)
    {
        local.Add(connection);
        return base.OnConnectedAsync(connection);
    }

    public override Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        local.Remove(connection.ConnectionId);
        return base.OnDisconnectedAsync(connection);
    }
}

/// <summary>
/// One event going to many connections is serialised once per protocol, not once per connection: the last messages of
/// each kind are kept with their serialised forms (SerializedHubMessage caches one per protocol). Thread delivery sends
/// a batch of events to every connection of the thread in turn, so for all but the first connection they are found here.
/// </summary>
public sealed class SharedHubMessages
{
    private readonly RecentByIdentity<object, SerializedHubMessage> _events = new(64);
    private readonly RecentByIdentity<object, SerializedHubMessage> _typing = new(4);
    private readonly RecentByIdentity<object, SerializedHubMessage> _presence = new(4);

    private Batch? _lastBatch;

    public SerializedHubMessage ThreadEvent(ThreadEvent threadEvent) => Invocation(_events, nameof(IAgentClient.ThreadEvent), threadEvent);

    /// <summary>
    /// Several ThreadEvent messages back to back, in one protocol's framing (JSON messages end with 0x1e, MessagePack
    /// ones carry their length), so a client reads them as separate messages. Kept for the last batch, which thread
    /// delivery sends to every connection of the thread in turn.
    /// </summary>
    public SerializedHubMessage ThreadEvents(IReadOnlyList<ThreadEvent> events, IHubProtocol protocol)
    {
        var batch = Volatile.Read(ref _lastBatch);
        if (batch is null || !ReferenceEquals(batch.Events, events))
        {
            batch = new Batch(events);
            Volatile.Write(ref _lastBatch, batch);
        }
        return batch.In(protocol, this);
    }

    private sealed class Batch(IReadOnlyList<ThreadEvent> events)
    {
        private readonly Dictionary<string, SerializedHubMessage> _byProtocol = new(StringComparer.Ordinal);

        public IReadOnlyList<ThreadEvent> Events { get; } = events;

        public SerializedHubMessage In(IHubProtocol protocol, SharedHubMessages messages)
        {
            lock (_byProtocol)
            {
                if (!_byProtocol.TryGetValue(protocol.Name, out var message))
                {
                    var bytes = new ArrayBufferWriter<byte>();
                    foreach (var threadEvent in Events)
                    {
                        bytes.Write(messages.ThreadEvent(threadEvent).GetSerializedMessage(protocol).Span);
                    }
                    message = new SerializedHubMessage([new SerializedMessage(protocol.Name, bytes.WrittenMemory)]);
                    _byProtocol[protocol.Name] = message;
                }
                return message;
            }
        }
    }

    public SerializedHubMessage Typing(TypingEvent typing) => Invocation(_typing, nameof(IAgentClient.Typing), typing);

    public SerializedHubMessage Presence(PresenceEvent presence) => Invocation(_presence, nameof(IAgentClient.Presence), presence);

    private static SerializedHubMessage Invocation(RecentByIdentity<object, SerializedHubMessage> recent, string target, object argument) =>
        recent.GetOrAdd(argument, target, static (argument, target) => new SerializedHubMessage(new InvocationMessage(target, [argument])));
}
