using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Agents.Realtime.Limits;

/// <summary>Per-user token buckets for sends and for other requests, shared by the hub and /ws.</summary>
public sealed class UserRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _messages;
    private readonly PartitionedRateLimiter<string> _requests;
    private readonly ClientWork _work;

    public UserRateLimiter(IOptions<RealtimeOptions> options, ClientWork work)
    {
        _work = work;
        var limits = options.Value;
        _messages = PartitionedRateLimiter.Create<string, string>(user => RateLimitPartition.GetTokenBucketLimiter(user, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = limits.MessageBurst,
            TokensPerPeriod = limits.MessagesPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
        }));
        _requests = PartitionedRateLimiter.Create<string, string>(user => RateLimitPartition.GetTokenBucketLimiter(user, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = limits.RequestsPerSecond * 2,
            TokensPerPeriod = limits.RequestsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
        }));
    }

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
        using var lease = (isMessage ? _messages : _requests).AttemptAcquire(userName);
        if (!lease.IsAcquired)
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
