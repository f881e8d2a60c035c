namespace Agents.Realtime.WebSockets;

/// <summary>
/// The only writer of one /ws client's connection: writes whole WebSocket frames (already framed, see
/// <see cref="TextFrames"/>) in the order they are given. While no write is under way, bytes are written at once on
/// the caller's thread and reach the socket before the call returns (a connection taken directly writes to its socket;
/// over Kestrel's upgraded request, its inline scheduling takes them there), so delivering an event to a thread's
/// clients is one loop of writes with no hand-off per client, and a batch of events given as one buffer leaves in one
/// <c>send</c>. While a write is under way (the client reads slowly), what follows waits in a
/// queue that the write under way drains; past <c>queueLimit</c> the client is too slow and <c>onTooSlow</c> runs. The
/// WebSocket's own writes (its pongs and close frame, through <see cref="WebSocketWire"/>) take the same queue, so the
/// two never interleave. An idle client holds no buffer, no queue and no task.
/// </summary>
public sealed class FrameSender(Stream connection, int queueLimit, Action onTooSlow, Action onFailed)
{
    private readonly Lock _gate = new();
    private Queue<Pending>? _waiting;
    private bool _writing;
    private bool _completed;
    private bool _failed;
    private TaskCompletionSource? _drained;

    /// <summary>Writes the frames, or queues them behind the write under way. After <see cref="CompleteAsync"/> they are dropped.</summary>
    public void Send(ReadOnlyMemory<byte> frames)
    {
        var tooSlow = false;
        Queue<Pending>? dropped = null;
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }
            if (!_writing)
            {
                _writing = true;
            }
            else if ((_waiting ??= new Queue<Pending>()).Count < queueLimit)
            {
                _waiting.Enqueue(new Pending(frames, null));
                return;
            }
            else
            {
                _completed = _failed = true;
                dropped = _waiting;
                _waiting = null;
                tooSlow = true;
            }
        }
        if (tooSlow)
        {
            // Outside the lock: the callback aborts the connection, which runs cancellation callbacks.
            FailWaiting(dropped, new IOException("The client read too slowly and was disconnected."));
            onTooSlow();
            return;
        }
        WriteFrom(new Pending(frames, null));
    }

    /// <summary>
    /// The WebSocket's own write (a pong, its close frame): taken after <see cref="CompleteAsync"/> too, not counted
    /// against the queue limit, completed once written; fails once the connection has.
    /// </summary>
    public Task WriteAsync(ReadOnlyMemory<byte> bytes)
    {
        Pending pending;
        lock (_gate)
        {
            if (_failed)
            {
                return Task.FromException(new IOException("The WebSocket's connection is gone."));
            }
            pending = new Pending(bytes, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            if (_writing)
            {
                (_waiting ??= new Queue<Pending>()).Enqueue(pending);
                return pending.Written!.Task;
            }
            _writing = true;
        }
        WriteFrom(pending);
        return pending.Written!.Task;
    }

    /// <summary>Takes no more frames and waits (up to <paramref name="timeout"/>) until those already given are written.</summary>
    public async Task CompleteAsync(TimeSpan timeout)
    {
        Task drained;
        lock (_gate)
        {
            _completed = true;
            if (!_writing)
            {
                return;
            }
            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            drained = _drained.Task;
        }
        await drained.WaitAsync(timeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>
    /// Runs on the thread that set <see cref="_writing"/>: writes until the queue is empty or a write must wait. Inside
    /// a fan-out's batch the first write joins the batch instead (<see cref="AfterBatchedWrite"/> goes on from there).
    /// </summary>
    private void WriteFrom(Pending next)
    {
        if (SendBatch.Collecting is { } batch && connection is SocketOutput output && batch.TryAdd(this, output.Handle, next.Bytes, next.Written))
        {
            return;
        }
        while (true)
        {
            try
            {
                var write = connection.WriteAsync(next.Bytes);
                if (!write.IsCompleted)
                {
                    _ = ContinueAsync(write, next);
                    return;
                }
                write.GetAwaiter().GetResult();
            }
            catch (Exception e) when (IsPeerGone(e))
            {
                Fail(next, e);
                return;
            }
            next.Written?.TrySetResult();
            if (!TryTakeNext(out next))
            {
                return;
            }
        }
    }

    /// <summary>
    /// How a write sent with a <see cref="SendBatch"/> went: <paramref name="result"/> is the bytes sent (0 when the
    /// socket had no room), or a negative errno. The rest goes on as after a write of its own: what was not sent waits
    /// for room, then the queue.
    /// </summary>
    internal void AfterBatchedWrite(ReadOnlyMemory<byte> bytes, TaskCompletionSource? written, int result)
    {
        if (result < 0)
        {
            Fail(new Pending(bytes, written), new IOException($"Unable to write to the connection (errno {-result})."));
        }
        else if (result < bytes.Length)
        {
            WriteFrom(new Pending(bytes[result..], written));
        }
        else
        {
            AfterWritten(new Pending(bytes, written));
        }
    }

    private async Task ContinueAsync(ValueTask write, Pending written)
    {
        try
        {
            await write;
        }
        catch (Exception e) when (IsPeerGone(e))
        {
            Fail(written, e);
            return;
        }
        AfterWritten(written);
    }

    /// <summary>A write that had to wait (or went with a batch) is done: its waiter is told, and the queue goes on.</summary>
    private void AfterWritten(Pending written)
    {
        written.Written?.TrySetResult();
        if (TryTakeNext(out var next))
        {
            WriteFrom(next);
        }
    }

    private bool TryTakeNext(out Pending next)
    {
        lock (_gate)
        {
            if (_waiting is { Count: > 0 } waiting)
            {
                next = waiting.Dequeue();
                return true;
            }
            _writing = false;
            // The queue grew for a slow moment: give its array back rather than keep it for the connection's life.
            _waiting = null;
            _drained?.TrySetResult();
            next = default;
            return false;
        }
    }

    private void Fail(Pending failed, Exception error)
    {
        TaskCompletionSource? drained;
        Queue<Pending>? dropped;
        lock (_gate)
        {
            _completed = _failed = true;
            _writing = false;
            dropped = _waiting;
            _waiting = null;
            drained = _drained;
        }
        failed.Written?.TrySetException(error);
        FailWaiting(dropped, error);
        // Whoever waits in CompleteAsync resumes only once the failure has been handled.
        onFailed();
        drained?.TrySetResult();
    }

    /// <summary>What was queued will not be written: the WebSocket's own writes among it are told so.</summary>
    private static void FailWaiting(Queue<Pending>? dropped, Exception error)
    {
        foreach (var pending in dropped ?? [])
        {
            pending.Written?.TrySetException(error);
        }
    }

    private static bool IsPeerGone(Exception e) => e is IOException or ObjectDisposedException or OperationCanceledException;

    /// <summary>Bytes to write; <see cref="Written"/> is set for the WebSocket's own writes, which it awaits.</summary>
    private readonly record struct Pending(ReadOnlyMemory<byte> Bytes, TaskCompletionSource? Written);
}
