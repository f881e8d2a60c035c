namespace Agents.Realtime.WebSockets;

/// <summary>
/// One timer for every WebSocket this instance took itself, /ws clients and direct hub connections (a timer and a loop
/// per client cost memory while it sits idle). Each waits in a queue ordered by when it is next due: for a /ws client
/// its next ping, or the moment it will have been silent too long, whichever comes first; for a hub connection its next
/// keep-alive ping. Once a second the heartbeat takes out only those that are due, so its work follows the pings (a
/// fifteenth of the clients a second, at the default interval, each at its own second), not the number of connections.
/// The /ws ping frame is built once a tick and shared by every session pinged in it.
/// </summary>
internal sealed class WebSocketHeartbeat : BackgroundService
{
    /// <summary>
    /// A ping that falls due before the middle of the next tick is sent at this one. Ticks are a second apart only
    /// roughly (the timer runs late under load, the clock moves in steps of a few ms), so a ping due a hair after a tick
    /// would otherwise wait for the next one and go out a whole second late, every other time at a 1 s interval.
    /// </summary>
    public const long PingSlackMs = 500;

    private readonly PriorityQueue<IHeartbeatClient, long> _queue = new();
    private readonly Lock _lock = new();
    // The timer loop's: this tick's ping frame, once one is built.
    private byte[]? _ping;

    /// <summary>Starts beating for a client, first at <paramref name="dueTicks"/> (<see cref="Environment.TickCount64"/>).</summary>
    public void Add(IHeartbeatClient client, long dueTicks)
    {
        lock (_lock)
        {
            _queue.Enqueue(client, dueTicks);
        }
    }

    /// <summary>The ping frame of this tick: one serialisation for all the sessions it pings.</summary>
    public byte[] PingFrame() => _ping ??= SharedFrames.Frame(new OutgoingFrame(EventTypes.Ping, new PongPayload(DateTimeOffset.UtcNow)));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            Beat(Environment.TickCount64);
        }
    }

    private void Beat(long nowTicks)
    {
        var due = new List<IHeartbeatClient>();
        lock (_lock)
        {
            while (_queue.TryPeek(out _, out var dueTicks) && dueTicks <= nowTicks + PingSlackMs)
            {
                due.Add(_queue.Dequeue());
            }
        }
        if (due.Count == 0)
        {
            return;
        }
        _ping = null;
        var next = new List<(IHeartbeatClient, long)>(due.Count);
        foreach (var client in due)
        {
            // A client that ended (or was just disconnected for its silence) is not queued again.
            if (client.Beat(nowTicks) is { } dueTicks)
            {
                next.Add((client, dueTicks));
            }
        }
        lock (_lock)
        {
            _queue.EnqueueRange(next);
        }
    }
}

/// <summary>A connection the <see cref="WebSocketHeartbeat"/> visits when it is due.</summary>
internal interface IHeartbeatClient
{
    /// <summary>
    /// Does what is due at <paramref name="nowTicks"/> (<see cref="Environment.TickCount64"/>); returns when the client
    /// is next due, or null when the heartbeat is done with it (the connection ended).
    /// </summary>
    long? Beat(long nowTicks);
}
