using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;

namespace Agents.Realtime.WebSockets;

/// <summary>
/// One client on /ws: a receive loop that turns frames into session calls, and one sender that writes frames in the
/// order they were queued (thread events included, so they keep their seq order). Bad frames get typed error frames
/// and the connection stays open; only a dead or hopelessly slow peer is disconnected.
/// </summary>
internal sealed partial class WebSocketSession : IEventSink
{
    private static readonly ActivitySource Tracing = new("Agents.Realtime.WebSockets");
    private readonly WebSocket _socket;
    private readonly ThreadSessions _sessions;
    private readonly UserRateLimiter _limiter;
    private readonly RealtimeOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<OutgoingFrame> _outgoing;
    private readonly CancellationTokenSource _closing = new();
    private long _lastHeardTicks = Environment.TickCount64;

    public WebSocketSession(WebSocket socket, ThreadSessions sessions, UserRateLimiter limiter, RealtimeOptions options, ILogger logger)
    {
        _socket = socket;
        _sessions = sessions;
        _limiter = limiter;
        _options = options;
        _logger = logger;
        _outgoing = Channel.CreateBounded<OutgoingFrame>(new BoundedChannelOptions(options.WebSocketSendQueueLimit)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.DropWrite,
        });
    }

    public async Task RunAsync(string userName, string accessToken, CancellationToken requestAborted)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, _closing.Token);
        var cancellationToken = linked.Token;
        var connection = new ClientConnection($"ws-{Guid.NewGuid():N}", userName, accessToken, this);
        var sender = SendLoopAsync(cancellationToken);
        try
        {
            await _sessions.ConnectAsync(connection);
        }
        catch (HubOperationException e)
        {
            await Enqueue(new OutgoingFrame(EventTypes.Error, e.ToEvent("connect")));
            await CloseAsync(WebSocketCloseStatus.PolicyViolation, e.Code, sender);
            return;
        }
        try
        {
            await Enqueue(new OutgoingFrame(EventTypes.ConnectionEstablished, new ConnectionEstablishedPayload(connection.ConnectionId, userName,
                ProtocolInfo.Version, (int)_options.WebSocketPingInterval.TotalMilliseconds, (int)_options.WebSocketDeadPeerTimeout.TotalMilliseconds)));
            var heartbeat = HeartbeatAsync(cancellationToken);
            await ReceiveLoopAsync(connection, cancellationToken);
            await _closing.CancelAsync();
            await heartbeat.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            await _sessions.DisconnectAsync(connection.ConnectionId);
            await CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", sender);
        }
    }

    private async Task ReceiveLoopAsync(ClientConnection connection, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        while (_socket.State == WebSocketState.Open && !cancellationToken.IsCancellationRequested)
        {
            buffer.Clear();
            var tooLarge = false;
            ValueWebSocketReceiveResult result;
            do
            {
                try
                {
                    result = await _socket.ReceiveAsync(buffer.GetMemory(4096), cancellationToken);
                }
                catch (Exception e) when (e is WebSocketException or OperationCanceledException)
                {
                    return;
                }
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
                if (buffer.WrittenCount + result.Count > _options.MaxFrameBytes)
                {
                    tooLarge = true; // keep reading to the end of this message, but drop it
                    buffer.Clear();
                }
                else
                {
                    buffer.Advance(result.Count);
                }
            }
            while (!result.EndOfMessage);

            Interlocked.Exchange(ref _lastHeardTicks, Environment.TickCount64);
            if (tooLarge)
            {
                await SendErrorAsync(ErrorCodes.FrameTooLarge, $"Frames are limited to {_options.MaxFrameBytes} bytes.", null, null);
                continue;
            }
            await HandleFrameAsync(connection, buffer.WrittenMemory, cancellationToken);
        }
    }

    private async Task HandleFrameAsync(ClientConnection connection, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        string? type = null;
        string? requestId = null;
        try
        {
            using var document = JsonDocument.Parse(frame);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
            {
                await SendErrorAsync(ErrorCodes.MalformedJson, "A frame is a JSON object with a string \"type\".", null, null);
                return;
            }
            type = typeElement.GetString();
            requestId = root.TryGetProperty("request_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
            var payload = root.TryGetProperty("payload", out var p) ? p : default;
            _limiter.Acquire(connection.UserName, isMessage: type is EventTypes.UserMessage or EventTypes.RunRule);
            await DispatchAsync(connection, type!, payload, requestId, cancellationToken);
        }
        catch (JsonException)
        {
            await SendErrorAsync(type is null ? ErrorCodes.MalformedJson : ErrorCodes.Validation,
                type is null ? "The frame is not valid JSON." : $"The payload of '{type}' is not what it should be; see the protocol in the README.", type, requestId);
        }
        catch (HubOperationException e)
        {
            await SendErrorAsync(e.Code, e.Message, type, requestId);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogUnexpected(e, type);
            await SendErrorAsync(ErrorCodes.Internal, "Something went wrong on our side; try again.", type, requestId);
        }
    }

    private async Task DispatchAsync(ClientConnection connection, string type, JsonElement payload, string? requestId, CancellationToken cancellationToken)
    {
        // A frame is its own trace, as a hub call is: not a child of the connection's /ws request, which lasts for hours.
        Activity.Current = null;
        using var activity = type is EventTypes.Ping or EventTypes.Pong or EventTypes.Typing ? null : Tracing.StartActivity("ws " + type, ActivityKind.Server);
        if (activity is not null && payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty("thread_id", out var threadId))
        {
            activity.SetTag("agents.thread.id", threadId.ToString());
        }
        switch (type)
        {
            case EventTypes.Ping:
                await Enqueue(new OutgoingFrame(EventTypes.Pong, new PongPayload(DateTimeOffset.UtcNow), RequestId: requestId));
                break;
            case EventTypes.Pong:
                break; // the answer to our ping: being heard is all that matters
            case EventTypes.HealthCheck:
                await Enqueue(new OutgoingFrame(EventTypes.HealthResponse,
                    new HealthResponsePayload("healthy", Environment.MachineName, WebSocketEndpoint.OpenConnections, DateTimeOffset.UtcNow), RequestId: requestId));
                break;
            case EventTypes.JoinThread:
                var join = Read<JoinThreadFrame>(payload);
                var joined = await _sessions.JoinAsync(connection, join.ThreadId, join.AfterSeq, cancellationToken);
                await Enqueue(new OutgoingFrame(EventTypes.ThreadJoined, joined, joined.ThreadId, RequestId: requestId));
                break;
            case EventTypes.LeaveThread:
                var leave = Read<LeaveThreadFrame>(payload);
                await _sessions.LeaveAsync(connection, leave.ThreadId);
                await Enqueue(new OutgoingFrame(EventTypes.ThreadLeft, new ThreadLeftPayload(leave.ThreadId), leave.ThreadId, RequestId: requestId));
                break;
            case EventTypes.UserMessage:
                var message = Read<UserMessageFrame>(payload);
                var accepted = await _sessions.SendMessageAsync(connection, message.ThreadId, message.ClientMessageId, message.Text, cancellationToken);
                await Enqueue(new OutgoingFrame(EventTypes.MessageAccepted,
                    new MessageAcceptedPayload(accepted.ThreadId, accepted.MessageId, accepted.Seq, accepted.Duplicate, message.ClientMessageId!), accepted.ThreadId, RequestId: requestId));
                break;
            case EventTypes.RunRule:
                var rule = Read<RunRuleFrame>(payload);
                var clientMessageId = rule.ClientMessageId ?? requestId ?? Guid.NewGuid().ToString("N");
                var ruleAccepted = await _sessions.SendMessageAsync(connection, rule.ThreadId, clientMessageId, rule.AsMessage(), cancellationToken);
                await Enqueue(new OutgoingFrame(EventTypes.RuleAccepted,
                    new RuleAcceptedPayload(ruleAccepted.ThreadId, ruleAccepted.MessageId, ruleAccepted.Seq, ruleAccepted.Duplicate, clientMessageId, rule.RuleId),
                    ruleAccepted.ThreadId, RequestId: requestId));
                break;
            case EventTypes.Typing:
                var typing = Read<TypingFrame>(payload);
                await _sessions.TypingAsync(connection, typing.ThreadId, typing.IsTyping);
                break;
            case EventTypes.WorkflowApproval:
                var decision = Read<WorkflowApprovalFrame>(payload);
                var decided = await _sessions.DecideAsync(connection, decision.WorkflowId, decision.Approved, decision.Message, decision.Arguments, cancellationToken);
                await Enqueue(new OutgoingFrame(EventTypes.WorkflowApprovalAccepted, decided, RequestId: requestId));
                break;
            case EventTypes.WorkflowCancel:
                var cancel = Read<WorkflowCancelFrame>(payload);
                var cancelled = await _sessions.CancelAsync(connection, cancel.WorkflowId, cancellationToken);
                await Enqueue(new OutgoingFrame(EventTypes.WorkflowCancelAccepted, cancelled, RequestId: requestId));
                break;
            default:
                throw new HubOperationException(ErrorCodes.UnknownType,
                    $"Unknown frame type '{type}'. Known: ping, pong, health_check, join_thread, leave_thread, user_message, run_rule, typing, workflow_approval, workflow_cancel.");
        }
    }

    private static T Read<T>(JsonElement payload) =>
        payload.ValueKind == JsonValueKind.Object
            ? payload.Deserialize<T>(FrameJson.Options) ?? throw new JsonException()
            : throw new JsonException();

    private async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        var lastPing = Environment.TickCount64;
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var now = Environment.TickCount64;
            if (now - Interlocked.Read(ref _lastHeardTicks) > _options.WebSocketDeadPeerTimeout.TotalMilliseconds)
            {
                LogDeadPeer(_options.WebSocketDeadPeerTimeout.TotalSeconds);
                _socket.Abort();
                await _closing.CancelAsync();
                return;
            }
            if (now - lastPing >= _options.WebSocketPingInterval.TotalMilliseconds)
            {
                lastPing = now;
                await Enqueue(new OutgoingFrame(EventTypes.Ping, new PongPayload(DateTimeOffset.UtcNow)));
            }
        }
    }

    private async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var frame in _outgoing.Reader.ReadAllAsync(cancellationToken))
            {
                var bytes = JsonSerializer.SerializeToUtf8Bytes(frame, FrameJson.Options);
                await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer is gone; the receive loop ends too.
        }
    }

    private ValueTask Enqueue(OutgoingFrame frame)
    {
        if (!_outgoing.Writer.TryWrite(frame))
        {
            // The client reads slower than its thread moves: it is disconnected and will rejoin from its last seq.
            LogTooSlow();
            _socket.Abort();
            _closing.Cancel();
        }
        return ValueTask.CompletedTask;
    }

    private ValueTask SendErrorAsync(string code, string message, string? operation, string? requestId) =>
        Enqueue(new OutgoingFrame(EventTypes.Error, new ErrorEvent(code, message, operation), RequestId: requestId));

    private async Task CloseAsync(WebSocketCloseStatus status, string description, Task sender)
    {
        _outgoing.Writer.TryComplete();
        await sender.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try
            {
                await _socket.CloseAsync(status, description, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception e) when (e is WebSocketException or TimeoutException or ObjectDisposedException)
            {
                _socket.Abort();
            }
        }
    }

    public ValueTask SendEventAsync(ThreadEvent threadEvent, CancellationToken cancellationToken) => Enqueue(OutgoingFrame.From(threadEvent));

    public ValueTask SendTypingAsync(TypingEvent typing, CancellationToken cancellationToken) =>
        Enqueue(new OutgoingFrame(EventTypes.Typing, typing, typing.ThreadId));

    public ValueTask SendPresenceAsync(PresenceEvent presence, CancellationToken cancellationToken) =>
        Enqueue(new OutgoingFrame(EventTypes.Presence, presence, presence.ThreadId));

    [LoggerMessage(Level = LogLevel.Error, Message = "A /ws frame of type {Type} failed")]
    private partial void LogUnexpected(Exception exception, string? type);

    [LoggerMessage(Level = LogLevel.Information, Message = "A /ws client sent nothing for {Seconds} s; disconnected as dead")]
    private partial void LogDeadPeer(double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A /ws client fell too far behind; disconnected")]
    private partial void LogTooSlow();
}
