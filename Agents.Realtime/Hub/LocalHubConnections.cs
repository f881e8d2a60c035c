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
/// One event going to many connections is serialised once per protocol, not once per connection: the last message of
/// each kind is kept with its serialised forms (SerializedHubMessage caches one per protocol). Thread delivery sends one
/// event to every connection of the thread in a row, so the slot hits for all but the first.
/// </summary>
public sealed class SharedHubMessages
{
    private Slot? _event;
    private Slot? _typing;
    private Slot? _presence;

    public SerializedHubMessage ThreadEvent(ThreadEvent threadEvent) => Get(ref _event, nameof(IAgentClient.ThreadEvent), threadEvent);

    public SerializedHubMessage Typing(TypingEvent typing) => Get(ref _typing, nameof(IAgentClient.Typing), typing);

    public SerializedHubMessage Presence(PresenceEvent presence) => Get(ref _presence, nameof(IAgentClient.Presence), presence);

    private static SerializedHubMessage Get(ref Slot? slot, string target, object argument)
    {
        // A race only costs a second serialisation: the slot always holds a message matching its argument.
        var current = Volatile.Read(ref slot);
        if (current is not null && ReferenceEquals(current.Argument, argument))
        {
            return current.Message;
        }
        var fresh = new Slot(argument, new SerializedHubMessage(new InvocationMessage(target, [argument])));
        Volatile.Write(ref slot, fresh);
        return fresh.Message;
    }

    private sealed record Slot(object Argument, SerializedHubMessage Message);
}
