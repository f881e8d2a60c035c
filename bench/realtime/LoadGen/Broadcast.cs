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

    public int Id { get; } = id;

    public int Rate { get; } = rate;

    public int Planned { get; } = planned;

    public int ReceiverCount { get; } = receivers;

    public LatencyHistogram Latency { get; } = new();

    public long Unique => Interlocked.Read(ref _unique);

    public long Duplicated => Interlocked.Read(ref _duplicated);

    public long OutOfOrder => Interlocked.Read(ref _outOfOrder);

    public long OtherMessages => Interlocked.Read(ref _otherMessages);

    /// <summary>A receiver's copy of message <paramref name="index"/>; each receiver calls this from its own receive loop only.</summary>
    public void Received(int receiver, int index, long intendedTimestamp, long arrivedTimestamp)
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
    }

    public void Other() => Interlocked.Increment(ref _otherMessages);

    /// <summary>The text of message <paramref name="index"/>: "~B{step}:{index}:{intended timestamp}~" padded with x to <paramref name="size"/> bytes.</summary>
    public static string Text(int step, int index, long intended, int size)
    {
        var marker = string.Create(CultureInfo.InvariantCulture, $"~B{step}:{index}:{intended}~");
        return marker.Length >= size ? marker : marker + new string('x', size - marker.Length);
    }

    /// <summary>Finds every marker in a received message and hands it to the step it belongs to.</summary>
    public static void Scan(int receiver, ReadOnlySpan<byte> data, Func<int, BroadcastStep?> stepOf)
    {
        var arrived = Stopwatch.GetTimestamp();
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
            stepOf((int)step)?.Received(receiver, (int)index, intended, arrived);
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
