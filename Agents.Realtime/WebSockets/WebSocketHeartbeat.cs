namespace Agents.Realtime.WebSockets;

/// <summary>
/// One timer for every /ws client on this instance (a timer and a loop per client cost memory while it sits idle).
/// Each session waits in a queue ordered by when it is next due: its next ping, or the moment it will have been silent
/// too long, whichever comes first. Once a second the heartbeat takes out only the sessions that are due, so its work
/// follows the pings (a fifteenth of the clients a second, at the default interval), not the number of connections. The
/// ping frame is built once a tick and shared by every session pinged in it.
/// </summary>
internal sealed class WebSocketHeartbeat : BackgroundService
{
    /// <summary>
    /// A ping that falls due before the middle of the next tick is sent at this one. Ticks are a second apart only
    /// roughly (the timer runs late under load, the clock moves in steps of a few ms), so a ping due a hair after a tick
    /// would otherwise wait for the next one and go out a whole second late, every other time at a 1 s interval.
    /// </summary>
    public const long PingSlackMs = 500;

    private readonly PriorityQueue<WebSocketSession, long> _queue = new();
    private readonly Lock _lock = new();
    // The timer loop's: this tick's ping frame, once one is built.
    private byte[]? _ping;

    /// <summary>Starts beating for a session, first at <paramref name="dueTicks"/> (<see cref="Environment.TickCount64"/>).</summary>
    public void Add(WebSocketSession session, long dueTicks)
    {
        lock (_lock)
        {
            _queue.Enqueue(session, dueTicks);
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
        var due = new List<WebSocketSession>();
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
        var next = new List<(WebSocketSession, long)>(due.Count);
        foreach (var session in due)
        {
            // A session that ended (or was just disconnected for its silence) is not queued again.
            if (session.Beat(nowTicks) is { } dueTicks)
            {
                next.Add((session, dueTicks));
            }
        }
        lock (_lock)
        {
            _queue.EnqueueRange(next);
        }
    }
}
