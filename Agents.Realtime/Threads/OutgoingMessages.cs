using System.Diagnostics;
using Npgsql;

namespace Agents.Realtime.Threads;

/// <summary>
/// One connection's messages to one thread, stored in the order they were sent (<see cref="MessageStore"/>: the
/// database function that checks membership and retries, appends the events and queues the runs, in one transaction;
/// then the events go to this instance's members at once (<see cref="ThreadDelivery.DeliverCommitted"/>) and on
/// the stream, which takes them to the other instances). A message waits only while the one store call in flight for
/// this queue finishes; whatever queued meanwhile goes in the next call, as one transaction. So a sender that does not
/// wait for each acknowledgement (a burst, an outbox flushed after a reconnect, a bot) costs one commit per round trip
/// rather than per message, and its messages keep their order.
/// </summary>
public sealed partial class OutgoingMessages(MessageStore store, ThreadDelivery delivery, string userName, Guid threadId, DateTimeOffset signedInUntil,
    TimeProvider time, ILogger logger)
{
    private readonly Queue<Pending> _queue = new();
    private bool _sending;

    public Task<SendMessageResult> SendAsync(string clientMessageId, string text)
    {
        // The store trusts the caller with the author's name, so a sign-in that has expired since the connection was
        // opened ends here, as it would at the Api's door.
        if (time.GetUtcNow() > signedInUntil)
        {
            throw new HubOperationException(ErrorCodes.Unauthorized, "Your sign-in has expired; sign in again.");
        }
        var pending = new Pending(new NewMessage(clientMessageId, text, Activity.Current?.Id), Activity.Current);
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
                batch = new Pending[Math.Min(_queue.Count, MessageLimits.MaxMessagesPerCall)];
                for (var i = 0; i < batch.Length; i++)
                {
                    batch[i] = _queue.Dequeue();
                }
            }
            // The store's work belongs to the first message's trace; each message's run continues its own (its traceparent).
            Activity.Current = batch[0].Activity;
            try
            {
                // Not cancelled with the connection: the messages may be committed anyway, and a retry finds them by id.
                var stored = await store.PostAsync(threadId, userName, [.. batch.Select(p => p.Message)], CancellationToken.None,
                    delivery.DeliverCommitted)
                    ?? throw new HubOperationException(ErrorCodes.NotMember, "No such thread, or you are not a member of it.");
                for (var i = 0; i < batch.Length; i++)
                {
                    batch[i].Result.TrySetResult(stored.Results[i]);
                }
            }
            catch (NpgsqlException e)
            {
                LogStoreFailed(e, threadId, batch.Length);
                Fail(batch, new HubOperationException(ErrorCodes.Unavailable,
                    "Messages cannot be stored right now; try again shortly (the same clientMessageId is safe)."));
            }
            catch (Exception e)
            {
                Fail(batch, e);
            }
        }
    }

    private static void Fail(Pending[] batch, Exception failure)
    {
        foreach (var pending in batch)
        {
            pending.Result.TrySetException(failure);
        }
    }

    private sealed record Pending(NewMessage Message, Activity? Activity)
    {
        public TaskCompletionSource<SendMessageResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not store {Count} message(s) to thread {ThreadId}")]
    private partial void LogStoreFailed(Exception exception, Guid threadId, int count);
}
