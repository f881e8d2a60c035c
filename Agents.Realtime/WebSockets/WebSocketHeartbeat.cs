using System.Collections.Concurrent;

namespace Agents.Realtime.WebSockets;

/// <summary>
/// One timer for every /ws client on this instance (a timer and a loop per client cost memory while it sits idle):
/// every second each session sends its ping when one is due and is disconnected if it has been silent too long.
/// </summary>
internal sealed class WebSocketHeartbeat : BackgroundService
{
    private readonly ConcurrentDictionary<WebSocketSession, byte> _sessions = new();

    public void Add(WebSocketSession session) => _sessions.TryAdd(session, 0);

    public void Remove(WebSocketSession session) => _sessions.TryRemove(session, out _);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var now = Environment.TickCount64;
            foreach (var session in _sessions.Keys)
            {
                session.Beat(now);
            }
        }
    }
}
