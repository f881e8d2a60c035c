using System.Diagnostics;

namespace Agents.Realtime.Threads;

/// <summary>
/// One connection's messages to one thread, stored in the order they were sent. A message waits only while the one
/// Api call in flight for this queue finishes; whatever queued meanwhile goes in the next call, as one transaction. So
/// a sender that does not wait for each acknowledgement (a burst, an outbox flushed after a reconnect, a bot) costs
/// one commit per round trip rather than per message, and its messages keep their order.
/// </summary>
public sealed class OutgoingMessages(ApiClient api, string accessToken, Guid threadId)
{
    /// <summary>The most messages one Api call carries (the Api's own limit).</summary>
    public const int MaxBatch = 100;

    private readonly Queue<Pending> _queue = new();
    private bool _sending;

    public Task<SendMessageResult> SendAsync(string clientMessageId, string text)
    {
        var pending = new Pending(new QueuedMessage(clientMessageId, text, Activity.Current?.Id), Activity.Current);
        lock (_queue)
        {
            _queue.Enqueue(pending);
            if (_sending)
            {
                return pending.Result.Task;
            }
            _sending = true;
        }
        _ = SendQueuedAsync();
        return pending.Result.Task;
    }

    private async Task SendQueuedAsync()
    {
        while (true)
        {
            Pending[] batch;
            lock (_queue)
            {
                if (_queue.Count == 0)
                {
                    _sending = false;
                    return;
                }
                batch = new Pending[Math.Min(_queue.Count, MaxBatch)];
                for (var i = 0; i < batch.Length; i++)
                {
                    batch[i] = _queue.Dequeue();
                }
            }
            // The Api call belongs to the first message's trace; each message's run continues its own (its traceparent).
            Activity.Current = batch[0].Activity;
            try
            {
                // Not cancelled with the connection: the messages may be committed anyway, and a retry finds them by id.
                var results = await api.PostMessagesAsync(accessToken, threadId, [.. batch.Select(p => p.Message)], CancellationToken.None);
                for (var i = 0; i < batch.Length; i++)
                {
                    batch[i].Result.TrySetResult(results[i]);
                }
            }
            catch (Exception e)
            {
                foreach (var pending in batch)
                {
                    pending.Result.TrySetException(e);
                }
            }
        }
    }

    private sealed record Pending(QueuedMessage Message, Activity? Activity)
    {
        public TaskCompletionSource<SendMessageResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>A message as the Api's batch endpoint takes it.</summary>
public sealed record QueuedMessage(string ClientMessageId, string Text, string? TraceParent);
