using System.Text;

namespace Agents.Bench.LoadGen;

/// <summary>
/// Agents.Realtime's plain WebSocket endpoint as it ships: the same users and thread as <see cref="AgentsTarget"/>,
/// <c>/ws</c> with its JSON <c>{type, payload}</c> frames, join_thread to join, user_message to broadcast (through the
/// Api, Postgres and the Redis stream, as the hub's SendMessage).
/// </summary>
public sealed class AgentsWebSocketTarget(Uri realtime, Uri frontDoor) : Target
{
    private readonly AgentsRoom _room = new(frontDoor);

    public override string Name => "agents-realtime";

    public override string Protocol => "plain-websocket";

    public override Task PrepareAsync(int connections, CancellationToken cancellationToken) => _room.PrepareAsync(connections, cancellationToken);

    public override async Task<Connection> OpenAsync(int index, CancellationToken cancellationToken)
    {
        var connection = new Connection(index);
        var state = new ClientState();
        connection.State = state;
        connection.OnMessage = (c, data) => OnMessage(c, state, data);
        await connection.ConnectAsync(new Uri(realtime, $"/ws?access_token={Uri.EscapeDataString(_room.TokenFor(index))}"), cancellationToken);
        await state.Handshake.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        return connection;
    }

    public override async Task JoinAsync(Connection connection, CancellationToken cancellationToken)
    {
        var join = $$$"""{"type":"join_thread","request_id":"join","payload":{"thread_id":"{{{_room.Thread}}}","after_seq":0}}""";
        await connection.SendAsync(Encoding.UTF8.GetBytes(join), binary: false, cancellationToken);
        await ((ClientState)connection.State!).Joined.Task.WaitAsync(TimeSpan.FromSeconds(120), cancellationToken);
    }

    public override Task SendAsync(Connection sender, string clientId, string text, CancellationToken cancellationToken) =>
        sender.SendAsync(Encoding.UTF8.GetBytes(
            $$$"""{"type":"user_message","payload":{"thread_id":"{{{_room.Thread}}}","client_message_id":"{{{clientId}}}","text":"{{{text}}}"}}"""),
            binary: false, cancellationToken);

    private void OnMessage(Connection connection, ClientState state, ReadOnlySpan<byte> data)
    {
        // The server's pings must be answered, or it disconnects the client as dead after 45 s of silence.
        if (data.StartsWith("""{"type":"ping","""u8))
        {
            _ = connection.SendAsync("""{"type":"pong"}"""u8.ToArray(), binary: false);
            return;
        }
        if (state.Live)
        {
            Receiver(connection, data);
            return;
        }
        if (data.StartsWith("""{"type":"connection_established","""u8))
        {
            state.Handshake.TrySetResult();
        }
        else if (data.StartsWith("""{"type":"error","""u8))
        {
            var error = new InvalidOperationException("Refused: " + Encoding.UTF8.GetString(data));
            if (connection.Index < 0)
            {
                Interlocked.Increment(ref SendErrors);
            }
            else if (!state.Handshake.TrySetException(error))
            {
                state.Joined.TrySetException(error);
            }
        }
        else if (data.StartsWith("""{"type":"thread_joined","""u8))
        {
            state.Live = true;
            state.Joined.TrySetResult();
        }
    }
}
