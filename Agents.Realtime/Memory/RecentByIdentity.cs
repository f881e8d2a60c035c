namespace Agents.Realtime.Memory;

/// <summary>
/// What was built for the last few objects (a serialised message, a frame), found by the object's identity: a fan-out
/// hands the same object to every connection of a thread in turn, so all but the first connection find it here. The
/// last <c>size</c> entries are held strongly, so this holds only what was built for the last few objects and frees the
/// rest as newer ones come. Not a <c>ConditionalWeakTable</c>: its entry per object is a dependent GC handle, freed
/// only when the table compacts, so it held about 100,000 of them, which every collection walked
/// (bench/realtime/README.md, "Collections that walk fewer handles").
/// </summary>
internal sealed class RecentByIdentity<TKey, TValue>(int size) where TKey : class
{
    private readonly Entry?[] _entries = new Entry?[size];
    private int _last;

    public TValue GetOrAdd(TKey key, Func<TKey, TValue> create) => GetOrAdd(key, create, static (key, create) => create(key));

    public TValue GetOrAdd<TState>(TKey key, TState state, Func<TKey, TState, TValue> create)
    {
        // The newest entry first: during a fan-out it is nearly always the one asked for.
        if (_entries[(uint)Volatile.Read(ref _last) % (uint)_entries.Length] is { } newest && ReferenceEquals(newest.Key, key))
        {
            return newest.Value;
        }
        foreach (var entry in _entries)
        {
            if (entry is not null && ReferenceEquals(entry.Key, key))
            {
                return entry.Value;
            }
        }
        // A race only costs a second build: an entry always holds a value built for its own key.
        var value = create(key, state);
        var slot = (uint)Interlocked.Increment(ref _last) % (uint)_entries.Length;
        Volatile.Write(ref _entries[slot], new Entry(key, value));
        return value;
    }

    private sealed record Entry(TKey Key, TValue Value);
}
