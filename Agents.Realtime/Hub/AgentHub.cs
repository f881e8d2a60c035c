using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Agents.Realtime.Hub;

/// <summary>
/// The SignalR hub at /hubs/agent. Method names are the wire contract (no Async suffix). Every method needs a signed-in
/// user; which threads a connection receives is decided by the Api from who the caller is, never by what it asks.
/// </summary>
[Authorize]
public sealed class AgentHub(ThreadSessions sessions, ConnectionRegistry connections, LocalHubConnections local, SharedHubMessages messages) : Hub<IAgentClient>
{
    public const string Path = "/hubs/agent";

    public override async Task OnConnectedAsync()
    {
        // A connection taken before the HTTP server (DirectHubConnection) has no request to read the token from.
        var accessToken = Context.Features.Get<DirectHubConnection>()?.AccessToken ?? Context.GetHttpContext()?.BearerToken() ?? "";
        var connection = new ClientConnection(Context.ConnectionId, Context.User!.UserName(), accessToken,
            new SignalRSink(local.Get(Context.ConnectionId), messages));
        try
        {
            await sessions.ConnectAsync(connection);
        }
        catch (HubOperationException e)
        {
            await Clients.Caller.Error(e.ToEvent("connect"));
            Context.Abort();
            return;
        }
        await base.OnConnectedAsync();
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        await sessions.DisconnectAsync(Context.ConnectionId);
        await base.OnDisconnectedAsync(exception);
    }

    /// <summary>Sends every event after <paramref name="afterSeq"/> (as ThreadEvent calls), then live ones; answers once caught up.</summary>
    public Task<JoinThreadResult> JoinThread(Guid threadId, long afterSeq) =>
        sessions.JoinAsync(Caller, threadId, afterSeq, Context.ConnectionAborted);

    public Task LeaveThread(Guid threadId) => sessions.LeaveAsync(Caller, threadId);

    /// <summary>Answers with the committed seq; a retry with the same clientMessageId answers the same seq.</summary>
    public Task<SendMessageResult> SendMessage(Guid threadId, string clientMessageId, string text)
    {
        // The hub call's span starts the user turn's trace; the store, the run and the delivery join it.
        System.Diagnostics.Activity.Current?.SetTag("agents.thread.id", threadId);
        return sessions.SendMessageAsync(Caller, threadId, clientMessageId, text, Context.ConnectionAborted);
    }

    public Task Typing(Guid threadId, bool isTyping) => sessions.TypingAsync(Caller, threadId, isTyping);

    /// <summary>Approves or rejects the step a workflow waits on; <paramref name="arguments"/> replaces the step's arguments.</summary>
    public Task<WorkflowActionResult> WorkflowApproval(Guid workflowId, bool approved, string? message, Dictionary<string, string>? arguments) =>
        sessions.DecideAsync(Caller, workflowId, approved, message, arguments, Context.ConnectionAborted);

    /// <summary>Stops a workflow (or a reply) wherever it runs; what was done so far stays in the log.</summary>
    public Task<WorkflowActionResult> WorkflowCancel(Guid workflowId) => sessions.CancelAsync(Caller, workflowId, Context.ConnectionAborted);

    private ClientConnection Caller => connections.Get(Context.ConnectionId);
}

/// <summary>
/// Delivers to one SignalR connection of this instance, writing straight to it (what the hub context does for a local
/// connection) with the message serialised once for all the connections it goes to. A connection taken before the
/// HTTP server is written its WebSocket frame, framed once for all such connections of its protocol.
/// </summary>
internal sealed class SignalRSink(HubConnectionContext connection, SharedHubMessages messages) : IEventSink
{
    private readonly DirectHubConnection? _direct = connection.Features.Get<DirectHubConnection>();

    public ValueTask SendEventAsync(ThreadEvent threadEvent, CancellationToken cancellationToken) =>
        Write(messages.ThreadEvent(threadEvent), cancellationToken);

    /// <summary>The events as one write (SignalR frames may hold several messages): one flush and one socket send, not one per event.</summary>
    public ValueTask SendEventsAsync(IReadOnlyList<ThreadEvent> events, CancellationToken cancellationToken) =>
        events.Count == 1
            ? SendEventAsync(events[0], cancellationToken)
            : Write(messages.ThreadEvents(events, connection.Protocol), cancellationToken);

    public ValueTask SendTypingAsync(TypingEvent typing, CancellationToken cancellationToken) =>
        Write(messages.Typing(typing), cancellationToken);

    public ValueTask SendPresenceAsync(PresenceEvent presence, CancellationToken cancellationToken) =>
        Write(messages.Presence(presence), cancellationToken);

    private ValueTask Write(SerializedHubMessage message, CancellationToken cancellationToken)
    {
        if (_direct is null)
        {
            return connection.WriteAsync(message, cancellationToken);
        }
        _direct.Send(message, connection.Protocol);
        return ValueTask.CompletedTask;
    }
}
