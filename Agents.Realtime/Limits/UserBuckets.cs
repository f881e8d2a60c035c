using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace Agents.Realtime.Limits;

/// <summary>
/// One token bucket per user, refilled when it is asked rather than by a timer: the library's
/// <see cref="TokenBucketRateLimiter"/> without auto-replenishment adds what the time since its last refill is worth
/// on <see cref="ReplenishingRateLimiter.TryReplenish"/>, so the server does nothing for a user between their requests.
/// (<see cref="PartitionedRateLimiter"/> refills its partitions from a timer ten times a second, which woke an idle
/// server's timer thread and a worker twenty times a second for our two kinds of bucket; bench/realtime.)
/// </summary>
internal sealed class UserBuckets(TokenBucketRateLimiterOptions options, long sweepEveryMs = UserBuckets.SweepEveryMs) : IDisposable
{
    public const long SweepEveryMs = 10_000;

    private readonly ConcurrentDictionary<string, TokenBucketRateLimiter> _buckets = new();
    private long _nextSweep = Environment.TickCount64 + sweepEveryMs;

    public int Count => _buckets.Count;

    public bool TryAcquire(string user)
    {
        SweepIfDue();
        var bucket = _buckets.GetOrAdd(user, static (_, bucketOptions) => new TokenBucketRateLimiter(bucketOptions), options);
        bucket.TryReplenish();
        using var lease = bucket.AttemptAcquire();
        return lease.IsAcquired;
    }

    /// <summary>
    /// Drops the buckets that have filled up again: a full bucket is what a new one would be, so nothing is forgotten.
    /// Runs on a request at most once per <c>sweepEveryMs</c>. A request racing the sweep may take its token from a
    /// bucket just dropped; the user's next request then finds a new, full one: one token at most, once.
    /// </summary>
    private void SweepIfDue()
    {
        var now = Environment.TickCount64;
        var due = Interlocked.Read(ref _nextSweep);
        if (now < due || Interlocked.CompareExchange(ref _nextSweep, now + sweepEveryMs, due) != due)
        {
            return;
        }
        foreach (var (user, bucket) in _buckets)
        {
            bucket.TryReplenish();
            if (bucket.GetStatistics()?.CurrentAvailablePermits == options.TokenLimit && _buckets.TryRemove(KeyValuePair.Create(user, bucket)))
            {
                bucket.Dispose();
            }
        }
    }

    public void Dispose()
    {
        foreach (var bucket in _buckets.Values)
        {
            bucket.Dispose();
        }
        _buckets.Clear();
    }
}
