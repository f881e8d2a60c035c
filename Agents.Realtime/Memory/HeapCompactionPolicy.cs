namespace Agents.Realtime.Memory;

/// <summary>
/// When a full compacting collection is worth its pause. A burst (thousands of connections opening, a broadcast storm)
/// leaves its garbage scattered between long-lived connection objects, and the GC keeps those regions committed; an
/// idle server runs no full collection to give them back. So: once the GC heap has grown past its floor (its smallest
/// size, or its size after the last compaction) by <c>max(growth, floor / 4)</c>, and the process has then been quiet
/// (allocating under <c>quietBytesPerTick</c> per tick) for <c>quietTicks</c> ticks in a row, compact, where no one
/// waits on the pause. The same idea as V8's memory reducer, which Node servers get for free.
/// </summary>
public sealed class HeapCompactionPolicy(long growth, long quietBytesPerTick, int quietTicks)
{
    private long _floor = long.MaxValue;
    private long _lastAllocated = -1;
    private int _quietTicks;

    /// <summary>One tick's reading (bytes allocated since the process started, bytes the GC heap has committed): compact now?</summary>
    public bool ShouldCompact(long totalAllocated, long committed)
    {
        _floor = Math.Min(_floor, committed);
        _quietTicks = _lastAllocated >= 0 && totalAllocated - _lastAllocated < quietBytesPerTick ? _quietTicks + 1 : 0;
        _lastAllocated = totalAllocated;
        return _quietTicks >= quietTicks && committed - _floor >= Math.Max(growth, _floor / 4);
    }

    /// <summary>After a compaction: what it left is the new floor, and quiet is counted afresh.</summary>
    public void Compacted(long totalAllocated, long committed)
    {
        _floor = committed;
        _lastAllocated = totalAllocated;
        _quietTicks = 0;
    }
}
