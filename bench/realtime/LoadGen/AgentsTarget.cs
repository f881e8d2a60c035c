using System.Buffers;
using System.Text;
using Agents.Protocol.MessagePack;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace Agents.Bench.LoadGen;

/// <summary>
/// Agents.Realtime as it ships: users signed in through the front door, one thread as the room (the receivers' users
/// invited to it), SignalR over WebSockets in JSON or MessagePack, JoinThread to join, SendMessage to broadcast (which
/// goes through the Api, Postgres and the Redis stream before it reaches the thread's connections).
/// </summary>
public sealed class AgentsTarget(Uri realtime, Uri frontDoor, bool messagePack) : Target
{
    private readonly AgentsRoom _room = new(frontDoor);
    private readonly IHubProtocol _protocol = messagePack
        ? new MessagePackHubProtocol(Microsoft.Extensions.Options.Options.Create(new MessagePackHubProtocolOptions { SerializerOptions = ProtocolMessagePack.Options }))
        : new JsonHubProtocol();

    public override string Name => "agents-realtime";

    public override string Protocol => messagePack ? "messagepack" : "json";

    public override Task PrepareAsync(int connections, CancellationToken cancellationToken) => _room.PrepareAsync(connections, cancellationToken);

    public override async Task<Connection> OpenAsync(int index, CancellationToken cancellationToken)
    {
        var token = _room.TokenFor(index);
        var connection = new Connection(index);
        var state = new ClientState();
        connection.State = state;
        connection.OnMessage = (c, data) => OnMessage(c, state, data);
        await connection.ConnectAsync(new Uri(realtime, $"/hubs/agent?access_token={Uri.EscapeDataString(token)}"), cancellationToken);
        await connection.SendAsync(Encoding.UTF8.GetBytes($"{{\"protocol\":\"{_protocol.Name}\",\"version\":{_protocol.Version}}}\u001e"), binary: false, cancellationToken);
        await state.Handshake.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        return connection;
    }

    public override async Task JoinAsync(Connection connection, CancellationToken cancellationToken)
    {
        await connection.SendAsync(Write(new InvocationMessage("join", "JoinThread", [_room.Thread, 0L])), messagePack, cancellationToken);
        await ((ClientState)connection.State!).Joined.Task.WaitAsync(TimeSpan.FromSeconds(120), cancellationToken);
    }

    public override Task SendAsync(Connection sender, string clientId, string text, CancellationToken cancellationToken) =>
        sender.SendAsync(Write(new InvocationMessage(clientId, "SendMessage", [_room.Thread, clientId, text])), messagePack, cancellationToken);

    public override Task KeepAliveAsync(Connection connection) => connection.SendAsync(Write(PingMessage.Instance), messagePack);

    private byte[] Write(HubMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        _protocol.WriteMessage(message, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private void OnMessage(Connection connection, ClientState state, ReadOnlySpan<byte> data)
    {
        if (state.Live)
        {
            Receiver(connection, data);
            return;
        }
        if (!state.Handshake.Task.IsCompleted)
        {
            // The handshake answer is JSON in both protocols: "{}" or {"error": ...}, ended by 0x1e.
            var end = data.IndexOf((byte)0x1e);
            var answer = Encoding.UTF8.GetString(data[..Math.Max(end, 0)]);
            if (answer.Contains("error", StringComparison.Ordinal))
            {
                state.Handshake.TrySetException(new InvalidOperationException("Handshake refused: " + answer));
                return;
            }
            state.Handshake.TrySetResult();
            data = data[(end + 1)..];
        }
        if (connection.Index < 0)
        {
            // The sender joins nothing: it only gets its invocations' completions, failed ones naming the HubException.
            if (data.IndexOf("HubException"u8) >= 0)
            {
                Interlocked.Increment(ref SendErrors);
            }
            return;
        }
        // Until the join is answered, frames are parsed properly (to find the answer); after it, they only go to the receiver.
        var input = new ReadOnlySequence<byte>(data.ToArray());
        while (_protocol.TryParseMessage(ref input, AnyTypes.Instance, out var message))
        {
            if (message is CompletionMessage { InvocationId: "join" } completion)
            {
                if (completion.Error is { } error)
                {
                    state.Joined.TrySetException(new InvalidOperationException("JoinThread failed: " + error));
                }
                else
                {
                    state.Live = true;
                    state.Joined.TrySetResult();
                }
                return;
            }
        }
    }

    /// <summary>Binds whatever the hub sends to plain objects: the join phase only looks for the join's completion.</summary>
    private sealed class AnyTypes : IInvocationBinder
    {
        public static AnyTypes Instance { get; } = new();

        public IReadOnlyList<Type> GetParameterTypes(string methodName) => [typeof(object)];

        public Type GetReturnType(string invocationId) => typeof(object);

        public Type GetStreamItemType(string streamId) => typeof(object);
    }
}
