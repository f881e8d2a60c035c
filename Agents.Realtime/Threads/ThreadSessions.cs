using Microsoft.Extensions.Options;

namespace Agents.Realtime.Threads;

/// <summary>
/// What a connected user can do, whatever the transport: join and leave threads, send messages, type. Membership is
/// decided by the data: joining reads the log through the Api with the user's token, and the message store checks it
/// under the thread's lock; typing needs a joined thread.
/// </summary>
public sealed class ThreadSessions(
    ConnectionRegistry connections,
    ThreadDelivery delivery,
    ApiClient api,
    PresenceTracker presence,
    TypingTracker typing,
    LiveNotices notices,
    MessageQueues messageQueues,
    IOptions<RealtimeOptions> options)
{
    /// <summary>Registers a connection, or throws too_many_connections.</summary>
    public async Task ConnectAsync(ClientConnection connection)
    {
        if (!await presence.TryAddConnectionAsync(connection.UserName, connection.ConnectionId))
        {
            throw new HubOperationException(ErrorCodes.TooManyConnections,
                $"You already have {options.Value.MaxConnectionsPerUser} connections open; close one first.");
        }
        connections.Add(connection);
    }

    public async Task DisconnectAsync(string connectionId)
    {
        if (connections.Remove(connectionId) is not { } connection)
        {
            return;
        }
        var threads = connection.JoinedThreads.Snapshot();
        await delivery.RemoveConnectionAsync(connection);
        foreach (var threadId in threads)
        {
            await AnnouncePresenceAsync(threadId, await presence.LeaveAsync(threadId, connection.UserName, connectionId));
            if (!connections.InThread(threadId).Any(c => c.UserName == connection.UserName))
            {
                await typing.SetAsync(threadId, connection.UserName, false);
            }
        }
        await presence.RemoveConnectionAsync(connection.UserName, connectionId);
    }

    public async Task<JoinThreadResult> JoinAsync(ClientConnection connection, Guid threadId, long afterSeq, CancellationToken cancellationToken)
    {
        if (afterSeq < 0)
        {
            throw new HubOperationException(ErrorCodes.Validation, "afterSeq must be 0 or more.");
        }
        var (lastSeq, replayed) = await delivery.JoinAsync(connection, threadId, afterSeq, cancellationToken);
        var online = await presence.JoinAsync(threadId, connection.UserName, connection.ConnectionId);
        await AnnouncePresenceAsync(threadId, online);
        return new JoinThreadResult(threadId, lastSeq, replayed, online.Users);
    }

    public async Task LeaveAsync(ClientConnection connection, Guid threadId)
    {
        RequireJoined(connection, threadId);
        await delivery.LeaveAsync(connection, threadId);
        await AnnouncePresenceAsync(threadId, await presence.LeaveAsync(threadId, connection.UserName, connection.ConnectionId));
    }

    public Task<SendMessageResult> SendMessageAsync(ClientConnection connection, Guid threadId, string? clientMessageId, string? text, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(clientMessageId) || clientMessageId.Length > MessageLimits.MaxClientMessageIdLength)
        {
            throw new HubOperationException(ErrorCodes.Validation,
                $"clientMessageId is required (1 to {MessageLimits.MaxClientMessageIdLength} characters); reuse it to retry safely.");
        }
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new HubOperationException(ErrorCodes.Validation, "The message is empty.");
        }
        if (text.Length > options.Value.MaxMessageLength)
        {
            throw new HubOperationException(ErrorCodes.MessageTooLarge,
                $"The message has {text.Length} characters; the most is {options.Value.MaxMessageLength}.");
        }
        // The store checks membership: a non-member gets not_member. Queued before the first await, so the connection's
        // messages keep the order their calls came in (the hub runs a client's calls concurrently).
        return messageQueues.For(connection, threadId).SendAsync(clientMessageId, text).WaitAsync(cancellationToken);
    }

    /// <summary>Approves (optionally with edited arguments) or rejects the step a workflow waits on; the Api checks membership.</summary>
    public Task<WorkflowActionResult> DecideAsync(ClientConnection connection, Guid workflowId, bool approved, string? message,
        IReadOnlyDictionary<string, string>? arguments, CancellationToken cancellationToken)
    {
        if (message is { Length: > 2_000 })
        {
            throw new HubOperationException(ErrorCodes.Validation, "The message of an approval is limited to 2000 characters.");
        }
        return api.DecideAsync(connection.AccessToken, workflowId, new WorkflowApprovalRequest(approved, message, arguments), cancellationToken);
    }

    /// <summary>Cancels a workflow or a reply, on whichever Api instance runs it.</summary>
    public Task<WorkflowActionResult> CancelAsync(ClientConnection connection, Guid workflowId, CancellationToken cancellationToken) =>
        api.CancelAsync(connection.AccessToken, workflowId, cancellationToken);

    public Task TypingAsync(ClientConnection connection, Guid threadId, bool isTyping)
    {
        RequireJoined(connection, threadId);
        return typing.SetAsync(threadId, connection.UserName, isTyping);
    }

    private static void RequireJoined(ClientConnection connection, Guid threadId)
    {
        if (!connection.JoinedThreads.Contains(threadId))
        {
            throw new HubOperationException(ErrorCodes.NotMember, "Join the thread first (you must be a member).");
        }
    }

    /// <summary>
    /// Tells the thread's members who is online, unless that is what they were last told (by any instance): a user's
    /// second connection, or a crowd of connections of the same users rejoining after a restart, changes nothing they
    /// see (and would otherwise send every member one message per join: joins x members).
    /// </summary>
    private Task AnnouncePresenceAsync(Guid threadId, PresenceSnapshot online) =>
        online.AnnounceVersion is { } version
            ? notices.PublishAsync(new LiveNotice(threadId, null, new PresenceEvent(threadId, online.Users), version))
            : Task.CompletedTask;
}
