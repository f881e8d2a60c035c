using System.Net.WebSockets;

namespace Agents.Realtime.WebSockets;

/// <summary>
/// Writes one client's frames to its WebSocket in the order they are given. While no send is under way, a frame is
/// written at once on the caller's thread: Kestrel's inline scheduling takes it into the socket before the call returns,
/// so delivering an event to a thread's clients is one loop of sends with no hand-off per client. While a send is under
/// way (the client reads slowly), frames wait in a queue that the send under way drains; past <c>queueLimit</c> the
/// client is too slow and <c>onTooSlow</c> runs. An idle client holds no buffer, no queue and no task.
/// </summary>
public sealed class FrameSender(WebSocket socket, int queueLimit, Action onTooSlow, Action onFailed)
{
    private readonly Lock _gate = new();
    private Queue<ReadOnlyMemory<byte>>? _waiting;
    private bool _sending;
    private bool _completed;
    private TaskCompletionSource? _drained;

    /// <summary>Sends the frame, or queues it behind the send under way. After <see cref="CompleteAsync"/>, frames are dropped.</summary>
    public void Send(ReadOnlyMemory<byte> frame)
    {
        var tooSlow = false;
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }
            if (!_sending)
            {
                _sending = true;
            }
            else if ((_waiting ??= new Queue<ReadOnlyMemory<byte>>()).Count < queueLimit)
            {
                _waiting.Enqueue(frame);
                return;
            }
            else
            {
                _completed = true;
                _waiting = null;
                tooSlow = true;
            }
        }
        if (tooSlow)
        {
            // Outside the lock: the callback aborts the socket, which runs cancellation callbacks.
            onTooSlow();
            return;
        }
        SendFrom(frame);
    }

    /// <summary>Takes no more frames and waits (up to <paramref name="timeout"/>) until those already given are sent.</summary>
    public async Task CompleteAsync(TimeSpan timeout)
    {
        Task drained;
        lock (_gate)
        {
            _completed = true;
            if (!_sending)
            {
                return;
            }
            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            drained = _drained.Task;
        }
        await drained.WaitAsync(timeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Runs on the thread that set <see cref="_sending"/>: sends until the queue is empty or a send must wait.</summary>
    private void SendFrom(ReadOnlyMemory<byte> frame)
    {
        while (true)
        {
            try
            {
                var pending = socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
                if (!pending.IsCompleted)
                {
                    _ = ContinueAsync(pending);
                    return;
                }
                pending.GetAwaiter().GetResult();
            }
            catch (Exception e) when (IsPeerGone(e))
            {
                Fail();
                return;
            }
            if (!TryTakeNext(out frame))
            {
                return;
            }
        }
    }

    private async Task ContinueAsync(ValueTask pending)
    {
        try
        {
            await pending;
        }
        catch (Exception e) when (IsPeerGone(e))
        {
            Fail();
            return;
        }
        if (TryTakeNext(out var frame))
        {
            SendFrom(frame);
        }
    }

    private bool TryTakeNext(out ReadOnlyMemory<byte> frame)
    {
        lock (_gate)
        {
            if (_waiting is { Count: > 0 } waiting)
            {
                frame = waiting.Dequeue();
                return true;
            }
            _sending = false;
            // The queue grew for a slow moment: give its array back rather than keep it for the connection's life.
            _waiting = null;
            _drained?.TrySetResult();
            frame = default;
            return false;
        }
    }

    private void Fail()
    {
        TaskCompletionSource? drained;
        lock (_gate)
        {
            _completed = true;
            _sending = false;
            _waiting = null;
            drained = _drained;
        }
        // Whoever waits in CompleteAsync resumes only once the failure has been handled.
        onFailed();
        drained?.TrySetResult();
    }

    private static bool IsPeerGone(Exception e) => e is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException;
}
