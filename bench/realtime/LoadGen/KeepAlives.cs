namespace Agents.Bench.LoadGen;

/// <summary>
/// Sends every open connection what its protocol needs to stay connected (<see cref="Target.KeepAliveAsync"/>) once per
/// <see cref="Interval"/>, each connection in its own second of it: a tick a second pings a fifteenth of them, as /ws
/// pings its clients. Real clients ping on their own clocks, from when each connected. Until run 2026-12-07T2037Z every
/// connection pinged at the same instant every 10 s, so our hub alone was sent 1,001 frames in one burst, and the
/// messages under way then arrived 4-13 ms late (bench/realtime/README.md, "Pings spread as real clients send them").
/// </summary>
public sealed class KeepAlives : IDisposable
{
    /// <summary>SignalR's clients' own (half its server's 30 s client timeout).</summary>
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    private const int Slots = 15;

    private readonly Target _target;
    private readonly List<Connection> _connections = [];
    private readonly Timer _timer;
    private int _tick;

    public KeepAlives(Target target)
    {
        _target = target;
        var tick = Interval / Slots;
        _timer = new Timer(_ => PingSlot(), null, tick, tick);
    }

    public void Add(IEnumerable<Connection> connections)
    {
        lock (_connections)
        {
            _connections.AddRange(connections);
        }
    }

    public void Clear()
    {
        lock (_connections)
        {
            _connections.Clear();
        }
    }

    private void PingSlot()
    {
        List<Connection> due = [];
        lock (_connections)
        {
            var slot = _tick++ % Slots;
            for (var i = slot; i < _connections.Count; i += Slots)
            {
                due.Add(_connections[i]);
            }
        }
        foreach (var connection in due.Where(c => !c.Closed))
        {
            _ = _target.KeepAliveAsync(connection);
        }
    }

    public void Dispose() => _timer.Dispose();
}
