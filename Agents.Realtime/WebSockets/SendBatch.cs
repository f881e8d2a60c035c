using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;

namespace Agents.Realtime.WebSockets;

/// <summary>
/// Lends fan-outs a <see cref="SendBatch"/> each (with its io_uring ring, kept for the next fan-out). Where io_uring
/// cannot be had (not Linux, disabled, filtered out by a container's seccomp profile) or <c>Realtime:BatchedSends</c>
/// is false, there is none and every write is its own <c>send</c>, as it was before batches.
/// </summary>
public sealed partial class SendBatches : IDisposable
{
    private readonly ConcurrentBag<SendBatch> _idle = [];
    private readonly bool _enabled;

    public SendBatches(IOptions<RealtimeOptions> options, ILogger<SendBatches> logger)
    {
        if (!options.Value.BatchedSends)
        {
            return;
        }
        // One ring at start, so that whether batches can be had here is known (and said) then, not at the first fan-out.
        if (SendRing.TryCreate(out var why) is not { } ring)
        {
            LogUnavailable(logger, why);
            return;
        }
        _idle.Add(new SendBatch(this, ring));
        _enabled = true;
    }

    /// <summary>A batch for one fan-out, given back by disposing it; null when there are no batches here.</summary>
    internal SendBatch? Rent()
    {
        if (!_enabled)
        {
            return null;
        }
        if (_idle.TryTake(out var batch))
        {
            return batch;
        }
        return SendRing.TryCreate(out _) is { } ring ? new SendBatch(this, ring) : null;
    }

    internal void Return(SendBatch batch) => _idle.Add(batch);

    public void Dispose()
    {
        while (_idle.TryTake(out var batch))
        {
            batch.Ring.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Fan-outs send one system call per client: no io_uring here ({Why})")]
    private static partial void LogUnavailable(ILogger logger, string? why);
}

/// <summary>
/// The writes of one fan-out, sent a batch at a time in one system call (<see cref="SendRing"/>) rather than one
/// <c>send</c> each. While the fan-out hands a connection its events inside <see cref="Collect"/>, the connection's
/// <see cref="FrameSender"/> adds its write here instead of sending it (a thread-static: the write goes through
/// SignalR or the /ws session on its way, which have no place for it); <see cref="Flush"/> sends what was added and
/// tells each sender how its write went, and the sender goes on from there as after a write of its own. A sender
/// stays busy until then, so whatever else it is given meanwhile queues behind the batched write, in order.
/// </summary>
internal sealed unsafe class SendBatch(SendBatches owner, SendRing ring) : IDisposable
{
    /// <summary>
    /// How many connections' writes go to the kernel in one system call: <see cref="Write"/> flushes the batch when it
    /// holds this many (a fan-out also flushes where it looks for newly committed events). Sixteen cost a scratch C
    /// fan-out on this project's machines as little per copy as a thousand, without moving the work to
    /// <c>ksoftirqd</c>, where no process's CPU clock counts it (bench/realtime/README.md, "Sends a batch at a time").
    /// </summary>
    public const int WritesPerFlush = 16;

    private const int EAgain = 11;
    private const int EIo = 5;

    [ThreadStatic]
    private static SendBatch? t_collecting;

    private readonly Entry[] _entries = new Entry[SendRing.Capacity];
    private readonly int[] _results = new int[SendRing.Capacity];
    private readonly List<GCHandle> _pins = [];
    private byte[]? _pinnedArray;
    private byte* _pinnedAddress;
    private bool _broken;

    public SendRing Ring { get; } = ring;

    /// <summary>The batch that writes made on this thread go to, inside <see cref="Collect"/>.</summary>
    public static SendBatch? Collecting => t_collecting;

    /// <summary>Whether there are writes waiting for <see cref="Flush"/>.</summary>
    public bool HasWrites => Ring.Queued > 0;

    /// <summary>
    /// Makes one connection's write (<paramref name="write"/> given <paramref name="state"/>) in <paramref name="batch"/>
    /// when there is one, and flushes the batch once it holds <see cref="WritesPerFlush"/> writes. A write that has to
    /// wait for something first flushes it too, so that what the batch holds does not wait with it.
    /// </summary>
    public static ValueTask Write<TState>(SendBatch? batch, TState state, Func<TState, ValueTask> write)
    {
        if (batch is null)
        {
            return write(state);
        }
        ValueTask writing;
        using (batch.Collect())
        {
            writing = write(state);
        }
        if (!writing.IsCompleted || batch.Ring.Queued >= WritesPerFlush)
        {
            batch.Flush();
        }
        return writing;
    }

    /// <summary>Until the scope is disposed, writes made on this thread go to this batch.</summary>
    public Scope Collect()
    {
        var previous = t_collecting;
        t_collecting = this;
        return new Scope(previous);
    }

    /// <summary>
    /// Adds a write to the batch: false when it cannot be (the batch is full, the bytes are not an array's, the socket
    /// is closed), and the caller sends it itself.
    /// </summary>
    public bool TryAdd(FrameSender sender, SafeSocketHandle socket, ReadOnlyMemory<byte> bytes, TaskCompletionSource? written)
    {
        if (Ring.Queued == SendRing.Capacity || !MemoryMarshal.TryGetArray(bytes, out var segment))
        {
            return false;
        }
        var referenced = false;
        try
        {
            socket.DangerousAddRef(ref referenced); // its descriptor must not be closed, and reused, before the send
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        // A fan-out's writes are mostly one shared frame: pinned once for the batch.
        if (!ReferenceEquals(segment.Array, _pinnedArray))
        {
            var pin = GCHandle.Alloc(segment.Array, GCHandleType.Pinned);
            _pins.Add(pin);
            _pinnedArray = segment.Array;
            _pinnedAddress = (byte*)pin.AddrOfPinnedObject();
        }
        _entries[Ring.Queued] = new Entry(sender, socket, bytes, written);
        Ring.QueueSend((int)socket.DangerousGetHandle(), _pinnedAddress + segment.Offset, segment.Count);
        return true;
    }

    /// <summary>Sends what was added, in one system call, then hands each sender its write's outcome.</summary>
    public void Flush()
    {
        var count = Ring.Queued;
        if (count == 0)
        {
            return;
        }
        try
        {
            Ring.Submit(_results);
        }
        catch (IOException)
        {
            // The ring itself failed (a socket's trouble is a send's result, not this): what was sent cannot be told
            // from what was not, so these connections are dropped (their clients catch up from the log when they
            // rejoin) and the ring is not used again.
            _results.AsSpan(0, count).Fill(-EIo);
            _broken = true;
        }
        finally
        {
            foreach (var pin in _pins)
            {
                pin.Free();
            }
            _pins.Clear();
            _pinnedArray = null;
        }
        // What the senders do next (their queued writes, a write that waits for room) is not part of the batch.
        var previous = t_collecting;
        t_collecting = null;
        try
        {
            for (var i = 0; i < count; i++)
            {
                var entry = _entries[i];
                _entries[i] = default;
                entry.Socket.DangerousRelease();
                var result = _results[i];
                entry.Sender.AfterBatchedWrite(entry.Bytes, entry.Written, result == -EAgain ? 0 : result);
            }
        }
        finally
        {
            t_collecting = previous;
        }
    }

    /// <summary>Flushes what is left and gives the batch back for another fan-out.</summary>
    public void Dispose()
    {
        Flush();
        if (_broken)
        {
            Ring.Dispose();
        }
        else
        {
            owner.Return(this);
        }
    }

    public readonly struct Scope(SendBatch? previous) : IDisposable
    {
        public void Dispose() => t_collecting = previous;
    }

    private readonly record struct Entry(FrameSender Sender, SafeSocketHandle Socket, ReadOnlyMemory<byte> Bytes, TaskCompletionSource? Written);
}
