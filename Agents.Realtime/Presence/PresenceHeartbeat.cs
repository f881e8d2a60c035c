using Microsoft.Extensions.Options;

namespace Agents.Realtime.Presence;

/// <summary>Every second: ends typing that expired; every third of the presence timeout: refreshes this instance's presence.</summary>
public sealed partial class PresenceHeartbeat(
    ConnectionRegistry connections, PresenceTracker presence, TypingTracker typing, IOptions<RealtimeOptions> options, ILogger<PresenceHeartbeat> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        var refreshEvery = Math.Max(1, (int)(options.Value.PresenceTimeout.TotalSeconds / 3));
        var tick = 0;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await typing.ExpireAsync();
                if (++tick % refreshEvery == 0)
                {
                    await presence.RefreshAsync(connections.All);
                }
            }
            catch (StackExchange.Redis.RedisException e)
            {
                LogHeartbeatFailed(e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Presence heartbeat failed; retrying next tick")]
    private partial void LogHeartbeatFailed(Exception exception);
}
