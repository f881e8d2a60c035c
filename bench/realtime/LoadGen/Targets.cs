using System.Text;

namespace Agents.Bench.LoadGen;

/// <summary>
/// One server under test, spoken to at the wire level: connect (with the protocol's handshake), join the room
/// (waiting for the server's answer), broadcast one message. After the join, every data message a connection receives
/// goes to <see cref="Receiver"/> as raw bytes, so every server's deliveries are counted by the same code.
/// </summary>
public abstract class Target
{
    protected const string Room = "bench";

    public abstract string Name { get; }

    public abstract string Protocol { get; }

    /// <summary>Called with every data message a joined connection receives.</summary>
    public Action<Connection, ReadOnlySpan<byte>> Receiver { get; set; } = (_, _) => { };

    /// <summary>Sends the server turned down (our hub answers a failed invocation; the peers never refuse).</summary>
    public long SendErrors;

    /// <summary>Accounts, rooms: whatever must exist before <paramref name="connections"/> clients connect.</summary>
    public virtual Task PrepareAsync(int connections, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Connects client <paramref name="index"/> (-1: the sender) and completes the protocol's handshake.</summary>
    public abstract Task<Connection> OpenAsync(int index, CancellationToken cancellationToken);

    public abstract Task JoinAsync(Connection connection, CancellationToken cancellationToken);

    public abstract Task SendAsync(Connection sender, string clientId, string text, CancellationToken cancellationToken);

    /// <summary>What a client must send now and then to stay connected (SignalR: a ping well within the server's 30 s timeout).</summary>
    public virtual Task KeepAliveAsync(Connection connection) => Task.CompletedTask;

    protected sealed class ClientState
    {
        public TaskCompletionSource Handshake { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Joined { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public volatile bool Live;
    }
}

/// <summary>Socket.IO v4 over WebSocket only: Engine.IO v4 packets ("0" open, "2"/"3" ping/pong, "4x" Socket.IO packets).</summary>
public sealed class SocketIoTarget(Uri baseUri) : Target
{
    public override string Name => "socket.io";

    public override string Protocol => "socket.io";

    public override async Task<Connection> OpenAsync(int index, CancellationToken cancellationToken)
    {
        var connection = new Connection(index);
        var state = new ClientState();
        connection.State = state;
        connection.OnMessage = (c, data) => OnMessage(c, state, data);
        await connection.ConnectAsync(new Uri(baseUri, "/socket.io/?EIO=4&transport=websocket"), cancellationToken);
        await state.Handshake.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        return connection;
    }

    public override async Task JoinAsync(Connection connection, CancellationToken cancellationToken)
    {
        await connection.SendAsync(Encoding.UTF8.GetBytes($"420[\"join\",\"{Room}\"]"), binary: false, cancellationToken);
        await ((ClientState)connection.State!).Joined.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
    }

    public override Task SendAsync(Connection sender, string clientId, string text, CancellationToken cancellationToken) =>
        sender.SendAsync(Encoding.UTF8.GetBytes($"42[\"send\",\"{Room}\",\"{text}\"]"), binary: false, cancellationToken);

    private void OnMessage(Connection connection, ClientState state, ReadOnlySpan<byte> data)
    {
        if (state.Live && data.StartsWith("42"u8))
        {
            Receiver(connection, data);
        }
        else if (data.SequenceEqual("2"u8))
        {
            _ = connection.SendAsync("3"u8.ToArray(), binary: false);
        }
        else if (data.StartsWith("430"u8))
        {
            state.Live = true;
            state.Joined.TrySetResult();
        }
        else if (data.StartsWith("40"u8))
        {
            state.Handshake.TrySetResult();
        }
        else if (data.StartsWith("0"u8))
        {
            _ = connection.SendAsync("40"u8.ToArray(), binary: false);
        }
        else if (data.StartsWith("44"u8))
        {
            state.Handshake.TrySetException(new InvalidOperationException("Socket.IO refused: " + Encoding.UTF8.GetString(data)));
        }
    }
}

/// <summary>The ws peer's own tiny protocol: "join room" (answered "joined"), then "room text" broadcasts.</summary>
public sealed class WsTarget(Uri baseUri) : Target
{
    public override string Name => "ws";

    public override string Protocol => "ws";

    public override async Task<Connection> OpenAsync(int index, CancellationToken cancellationToken)
    {
        var connection = new Connection(index);
        var state = new ClientState();
        connection.State = state;
        connection.OnMessage = (c, data) =>
        {
            if (state.Live)
            {
                Receiver(c, data);
            }
            else if (data.SequenceEqual("joined"u8))
            {
                state.Live = true;
                state.Joined.TrySetResult();
            }
        };
        await connection.ConnectAsync(baseUri, cancellationToken);
        return connection;
    }

    public override async Task JoinAsync(Connection connection, CancellationToken cancellationToken)
    {
        await connection.SendAsync(Encoding.UTF8.GetBytes($"join {Room}"), binary: false, cancellationToken);
        await ((ClientState)connection.State!).Joined.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
    }

    public override Task SendAsync(Connection sender, string clientId, string text, CancellationToken cancellationToken) =>
        sender.SendAsync(Encoding.UTF8.GetBytes($"{Room} {text}"), binary: false, cancellationToken);
}
