using StackExchange.Redis;

namespace Agents.Messaging;

/// <summary>
/// Which run workers are alive, across Api instances: a Redis sorted set whose scores are expiry times, refreshed by
/// each worker's heartbeat (the Api's). A message stored while none is alive is marked "offline" for people to see
/// (<see cref="MessageStore"/>, in Realtime and the Api); it stays queued.
/// </summary>
public sealed class WorkerRegistry(IConnectionMultiplexer redis, TimeProvider time)
{
    private static readonly RedisKey Key = "agents:workers";

    /// <summary>
    /// How long an answer is reused (an "alive" one never past the worker's lease). Every message asks, and a Redis round
    /// trip per message was a tenth of the Api's CPU on a busy thread; so a worker that starts or stops elsewhere is seen
    /// within this. This instance's own workers are seen at once.
    /// </summary>
    public static readonly TimeSpan ReuseAnswerFor = TimeSpan.FromSeconds(1);

    private Answer _last = Answer.AskAgain;

    public async Task RefreshAsync(string workerId, TimeSpan lease)
    {
        await redis.GetDatabase().SortedSetAddAsync(Key, workerId, time.GetUtcNow().Add(lease).ToUnixTimeMilliseconds());
        Volatile.Write(ref _last, Answer.AskAgain);
    }

    public async Task RemoveAsync(string workerId)
    {
        await redis.GetDatabase().SortedSetRemoveAsync(Key, workerId);
        Volatile.Write(ref _last, Answer.AskAgain);
    }

    public async Task<bool> AnyAliveAsync()
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var last = Volatile.Read(ref _last);
        if (now < last.ValidUntilUnixMs)
        {
            return last.Alive;
        }
        try
        {
            var latest = await redis.GetDatabase().SortedSetRangeByScoreWithScoresAsync(Key, now, double.PositiveInfinity,
                Exclude.None, Order.Descending, take: 1);
            var reuseUntil = now + (long)ReuseAnswerFor.TotalMilliseconds;
            var answer = latest.Length == 0 ? new Answer(false, reuseUntil) : new Answer(true, Math.Min((long)latest[0].Score, reuseUntil));
            Volatile.Write(ref _last, answer);
            return answer.Alive;
        }
        catch (Exception e) when (e is RedisException or TimeoutException) // RedisTimeoutException is a TimeoutException
        {
            return true; // unknown: say nothing rather than claim the agent is offline
        }
    }

    private sealed record Answer(bool Alive, long ValidUntilUnixMs)
    {
        /// <summary>No answer to reuse: the next question goes to Redis (this instance's own workers just changed).</summary>
        public static readonly Answer AskAgain = new(false, 0);
    }
}
