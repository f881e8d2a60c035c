using System.Diagnostics;
using System.Globalization;

namespace Agents.Bench.LoadGen;

/// <summary>
/// One rate step: the sender sends <c>rate</c> messages a second for a while, each stamped with the time it was meant to
/// go out (so a stalled sender cannot hide latency: coordinated omission), and every receiver counts what arrives.
/// </summary>
public sealed class BroadcastStep(int id, int rate, int planned, int receivers)
{
    private long _unique;
    private long _duplicated;
    private long _outOfOrder;
    private long _otherMessages;
    private readonly bool[][] _seen = [.. Enumerable.Range(0, receivers).Select(_ => new bool[planned])];
    private readonly int[] _last = [.. Enumerable.Repeat(-1, receivers)];
    private readonly long[] _intended = new long[planned];
    private readonly long[] _firstArrived = [.. Enumerable.Repeat(long.MaxValue, planned)];
    private readonly long[] _lastArrived = new long[planned];

    public int Id { get; } = id;

    public int Rate { get; } = rate;

    public int Planned { get; } = planned;

    public int ReceiverCount { get; } = receivers;

    /// <summary>From the intended send time to the copy's arrival in its receiver's socket (<see cref="ArrivalClock"/>).</summary>
    public LatencyHistogram Latency { get; } = new();

    /// <summary>From the intended send time to the generator's reader reading the copy: <see cref="Latency"/> plus the wait for the shared reader.</summary>
    public LatencyHistogram ReadLatency { get; } = new();

    /// <summary>How late the sender sent each message after its intended time: the instrument's own share of the latency.</summary>
    public LatencyHistogram SendLateness { get; } = new();

    /// <summary>Whether the sender thread ran at real-time priority (<see cref="SendClock"/>).</summary>
    public bool SenderRealTime { get; set; }

    public long Unique => Interlocked.Read(ref _unique);

    public long Duplicated => Interlocked.Read(ref _duplicated);

    public long OutOfOrder => Interlocked.Read(ref _outOfOrder);

    public long OtherMessages => Interlocked.Read(ref _otherMessages);

    /// <summary>A receiver's copy of message <paramref name="index"/>; each receiver calls this from its own receive loop only.</summary>
    public void Received(int receiver, int index, long intendedTimestamp, long arrivedTimestamp, long readTimestamp)
    {
        if ((uint)index >= (uint)Planned)
        {
            return;
        }
        if (_seen[receiver][index])
        {
            Interlocked.Increment(ref _duplicated);
            return;
        }
        _seen[receiver][index] = true;
        Interlocked.Increment(ref _unique);
        if (index < _last[receiver])
        {
            Interlocked.Increment(ref _outOfOrder);
        }
        _last[receiver] = Math.Max(_last[receiver], index);
        Latency.Record(Stopwatch.GetElapsedTime(intendedTimestamp, arrivedTimestamp).TotalMilliseconds);
        ReadLatency.Record(Stopwatch.GetElapsedTime(intendedTimestamp, readTimestamp).TotalMilliseconds);
        _intended[index] = intendedTimestamp;
        UpdateMin(ref _firstArrived[index], arrivedTimestamp);
        UpdateMax(ref _lastArrived[index], arrivedTimestamp);
    }

    /// <summary>
    /// Where the time goes, per message that arrived: its first copy's latency (the path up to the fan-out) and the time
    /// from its first copy to its last (the fan-out to every receiver), as (p50, p99) in ms each.
    /// </summary>
    public ((double P50, double P99) FirstCopy, (double P50, double P99) Spread) Breakdown()
    {
        var first = new LatencyHistogram();
        var spread = new LatencyHistogram();
        for (var i = 0; i < Planned; i++)
        {
            var firstArrived = Interlocked.Read(ref _firstArrived[i]);
            if (firstArrived == long.MaxValue)
            {
                continue;
            }
            first.Record(Stopwatch.GetElapsedTime(_intended[i], firstArrived).TotalMilliseconds);
            spread.Record(Stopwatch.GetElapsedTime(firstArrived, Interlocked.Read(ref _lastArrived[i])).TotalMilliseconds);
        }
        return ((first.Percentile(0.50), first.Percentile(0.99)), (spread.Percentile(0.50), spread.Percentile(0.99)));
    }

    /// <summary>
    /// Writes a line per message that arrived: its index, then when it was meant to be sent, when its first copy arrived
    /// and when its last did, as <see cref="Stopwatch"/> timestamps (on Linux, CLOCK_MONOTONIC in nanoseconds: the clock
    /// of <c>perf record -k CLOCK_MONOTONIC</c>).
    /// </summary>
    public void WriteTimings(string path)
    {
        using var writer = new StreamWriter(path);
        writer.WriteLine("# index intended first_copy last_copy (Stopwatch timestamps)");
        for (var i = 0; i < Planned; i++)
        {
            var first = Interlocked.Read(ref _firstArrived[i]);
            if (first != long.MaxValue)
            {
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{i} {_intended[i]} {first} {Interlocked.Read(ref _lastArrived[i])}"));
            }
        }
    }

    private static void UpdateMin(ref long location, long value)
    {
        long seen;
        while (value < (seen = Interlocked.Read(ref location)) && Interlocked.CompareExchange(ref location, value, seen) != seen)
        {
        }
    }

    private static void UpdateMax(ref long location, long value)
    {
        long seen;
        while (value > (seen = Interlocked.Read(ref location)) && Interlocked.CompareExchange(ref location, value, seen) != seen)
        {
        }
    }

    public void Other() => Interlocked.Increment(ref _otherMessages);

    /// <summary>The text of message <paramref name="index"/>: "~B{step}:{index}:{intended timestamp}~" padded with x to <paramref name="size"/> bytes.</summary>
    public static string Text(int step, int index, long intended, int size)
    {
        var marker = string.Create(CultureInfo.InvariantCulture, $"~B{step}:{index}:{intended}~");
        return marker.Length >= size ? marker : marker + new string('x', size - marker.Length);
    }

    /// <summary>Finds every marker in a message that arrived at <paramref name="arrived"/> and hands it to the step it belongs to.</summary>
    public static void Scan(int receiver, long arrived, ReadOnlySpan<byte> data, Func<int, BroadcastStep?> stepOf)
    {
        var read = Stopwatch.GetTimestamp();
        var found = false;
        int at;
        while ((at = data.IndexOf("~B"u8)) >= 0)
        {
            data = data[(at + 2)..];
            if (!TryNumber(ref data, (byte)':', out var step) || !TryNumber(ref data, (byte)':', out var index) || !TryNumber(ref data, (byte)'~', out var intended))
            {
                continue;
            }
            found = true;
            stepOf((int)step)?.Received(receiver, (int)index, intended, arrived, read);
        }
        if (!found)
        {
            stepOf(-1)?.Other();
        }
    }

    private static bool TryNumber(ref ReadOnlySpan<byte> data, byte end, out long value)
    {
        value = 0;
        var i = 0;
        for (; i < data.Length && data[i] >= (byte)'0' && data[i] <= (byte)'9'; i++)
        {
            value = value * 10 + (data[i] - '0');
        }
        if (i == 0 || i >= data.Length || data[i] != end)
        {
            return false;
        }
        data = data[(i + 1)..];
        return true;
    }
}
