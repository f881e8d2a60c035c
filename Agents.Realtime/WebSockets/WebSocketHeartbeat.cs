namespace Agents.Realtime.WebSockets;

/// <summary>
/// One timer for every /ws client on this instance (a timer and a loop per client cost memory while it sits idle):
/// every second each session sends its ping when one is due and is disconnected if it has been silent too long.
/// </summary>
internal sealed class WebSocketHeartbeat(ConnectionRegistry connections) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var now = Environment.TickCount64;
            foreach (var connection in connections.Each())
            {
                if (connection.Sink is WebSocketSession session)
                {
                    session.Beat(now);
                }
            }
        }
    }
}
