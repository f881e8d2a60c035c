namespace Agents.Realtime.Memory;

/// <summary>
/// When a full compacting collection is worth its pause. A burst (thousands of connections opening, a broadcast storm)
/// leaves its garbage scattered between long-lived connection objects, and the GC keeps those regions committed; an
/// idle server runs no full collection to give them back. So: once the GC heap has grown past its floor by
/// <c>max(growth, floor / 4)</c>, and no client work (see <see cref="ClientWork"/>) has been done for
/// <c>quietTicks</c> ticks in a row, compact, where no one waits on the pause. The same idea as V8's memory reducer,
/// which Node servers get for free.
/// <para>
/// The floor is the heap's smallest size, or what the last compaction left, with one exception: an aggressive
/// collection gives back even the allocation budgets, which an idle process commits again as soon as it allocates (a
/// few thousand pings are enough). So when the first collection after a compaction comes with no client work done since,
/// what it finds is the floor; taking what the compaction left would have an idle server compact again and again for
/// that regrowth alone. When clients were served in between (a new burst may have begun), what the compaction left
/// stays the floor.
/// </para>
/// </summary>
public sealed class HeapCompactionPolicy(long growth, int quietTicks)
{
    private long _floor = long.MaxValue;
    private long _lastWork = -1;
    private int _quietTicks;
    private long _compactedAtCollection = -1;
    private long _workAtCompaction;

    /// <summary>
    /// One tick's reading (the client work counter; the bytes the GC heap had committed at its last collection, and
    /// that collection's index): compact now?
    /// </summary>
    public bool ShouldCompact(long work, long committed, long collection)
    {
        _quietTicks = work == _lastWork ? _quietTicks + 1 : 0;
        _lastWork = work;
        if (_compactedAtCollection >= 0 && collection > _compactedAtCollection)
        {
            if (work == _workAtCompaction)
            {
                _floor = committed; // the idle heap, running again
            }
            _compactedAtCollection = -1;
        }
        _floor = Math.Min(_floor, committed);
        return _quietTicks >= quietTicks && committed - _floor >= Math.Max(growth, _floor / 4);
    }

    /// <summary>After a compaction (what it left committed, and its collection's index): a new floor, and quiet is counted afresh.</summary>
    public void Compacted(long committed, long collection)
    {
        _floor = committed;
        _compactedAtCollection = collection;
        _workAtCompaction = _lastWork;
        _quietTicks = 0;
    }
}
