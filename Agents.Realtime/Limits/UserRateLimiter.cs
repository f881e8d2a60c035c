using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Agents.Realtime.Limits;

/// <summary>Per-user token buckets for sends and for other requests, shared by the hub and /ws.</summary>
public sealed class UserRateLimiter : IDisposable
{
    private readonly UserBuckets _messages;
    private readonly UserBuckets _requests;
    private readonly ClientWork _work;

    public UserRateLimiter(IOptions<RealtimeOptions> options, ClientWork work)
        : this(options, work, UserBuckets.SweepEveryMs)
    {
    }

    internal UserRateLimiter(IOptions<RealtimeOptions> options, ClientWork work, long sweepEveryMs)
    {
        _work = work;
        var limits = options.Value;
        _messages = new UserBuckets(Bucket(limits.MessageBurst, limits.MessagesPerSecond), sweepEveryMs);
        _requests = new UserBuckets(Bucket(limits.RequestsPerSecond * 2, limits.RequestsPerSecond), sweepEveryMs);
    }

    /// <summary>Users holding a bucket of either kind (a full one is dropped at the next sweep).</summary>
    internal int TrackedUsers => Math.Max(_messages.Count, _requests.Count);

    private static TokenBucketRateLimiterOptions Bucket(int tokenLimit, int tokensPerSecond) => new()
    {
        TokenLimit = tokenLimit,
        TokensPerPeriod = tokensPerSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        AutoReplenishment = false,
        QueueLimit = 0,
    };

    /// <summary>
    /// Throws <see cref="ErrorCodes.RateLimited"/> when the user is over their limit for this kind of request. A
    /// keep-alive (a /ws ping or pong) is limited like any request but is not client work: thousands of idle clients
    /// answering pings must still leave the server quiet (idle heap compaction waits for that).
    /// </summary>
    public void Acquire(string userName, bool isMessage, bool isKeepAlive = false)
    {
        if (!isKeepAlive)
        {
            _work.Record();
        }
        if (!(isMessage ? _messages : _requests).TryAcquire(userName))
        {
            throw new HubOperationException(ErrorCodes.RateLimited,
                isMessage ? "You are sending messages too fast; wait a moment." : "Too many requests; slow down.");
        }
    }

    public void Dispose()
    {
        _messages.Dispose();
        _requests.Dispose();
    }
}
