namespace Agents.Realtime.Memory;

/// <summary>
/// Counts the work clients wait on: connections opening and closing, requests (every hub call and /ws request passes
/// the rate limiter), and events delivered. Keep-alive pings and the presence heartbeat do not count, so a server
/// holding thousands of idle connections is quiet, which is when idle heap compaction may pause it.
/// </summary>
public sealed class ClientWork
{
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public void Record() => Interlocked.Increment(ref _count);
}
