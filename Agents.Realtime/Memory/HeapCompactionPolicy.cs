namespace Agents.Realtime.Memory;

/// <summary>
/// When a full compacting collection is worth its pause. A burst (thousands of connections opening, a broadcast storm)
/// leaves its garbage scattered between long-lived connection objects, and the GC keeps those regions committed; an
/// idle server runs no full collection to give them back. So: once the GC heap has grown past its floor (its smallest
/// size, or its size after the last compaction) by <c>max(growth, floor / 4)</c>, and no client work (see
/// <see cref="ClientWork"/>) has been done for <c>quietTicks</c> ticks in a row, compact, where no one waits on the
/// pause. The same idea as V8's memory reducer, which Node servers get for free.
/// </summary>
public sealed class HeapCompactionPolicy(long growth, int quietTicks)
{
    private long _floor = long.MaxValue;
    private long _lastWork = -1;
    private int _quietTicks;

    /// <summary>One tick's reading (the client work counter, bytes the GC heap has committed): compact now?</summary>
    public bool ShouldCompact(long work, long committed)
    {
        _floor = Math.Min(_floor, committed);
        _quietTicks = work == _lastWork ? _quietTicks + 1 : 0;
        _lastWork = work;
        return _quietTicks >= quietTicks && committed - _floor >= Math.Max(growth, _floor / 4);
    }

    /// <summary>After a compaction: what it left is the new floor, and quiet is counted afresh.</summary>
    public void Compacted(long committed)
    {
        _floor = committed;
        _quietTicks = 0;
    }
}
