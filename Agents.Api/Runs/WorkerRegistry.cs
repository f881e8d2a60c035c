using StackExchange.Redis;

namespace Agents.Api.Runs;

/// <summary>
/// Which run workers are alive, across Api instances: a Redis sorted set whose scores are expiry times, refreshed by
/// each worker's heartbeat. A message sent while none is alive is marked "offline" for people to see; it stays queued.
/// </summary>
internal sealed class WorkerRegistry(IConnectionMultiplexer redis, TimeProvider time)
{
    private static readonly RedisKey Key = "agents:workers";

    public async Task RefreshAsync(string workerId, TimeSpan lease) =>
        await redis.GetDatabase().SortedSetAddAsync(Key, workerId, time.GetUtcNow().Add(lease).ToUnixTimeMilliseconds());

    public async Task RemoveAsync(string workerId) => await redis.GetDatabase().SortedSetRemoveAsync(Key, workerId);

    public async Task<bool> AnyAliveAsync()
    {
        try
        {
            return await redis.GetDatabase().SortedSetLengthAsync(Key, time.GetUtcNow().ToUnixTimeMilliseconds(), double.PositiveInfinity) > 0;
        }
        catch (RedisException)
        {
            return true; // unknown: say nothing rather than claim the agent is offline
        }
    }
}
