using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Agents.Realtime.WebSockets;

/// <summary>
/// One client on /ws: a receive loop that turns frames into session calls, and a <see cref="FrameSender"/> that writes
/// frames in the order they are given (thread events included, so they keep their seq order; a batch of a thread's
/// events in one write). Bad frames get typed error frames and the connection stays open; only a dead or hopelessly
/// slow peer is disconnected. While the client is idle the session holds no receive buffer, no send queue and no timer
/// of its own (<see cref="WebSocketHeartbeat"/> visits it when it is due).
/// </summary>
internal sealed partial class WebSocketSession : IEventSink, IHeartbeatClient
{
    private const int FirstReceiveBufferBytes = 4096;
    internal static readonly ActivitySource Tracing = new("Agents.Realtime.WebSockets");
    private readonly WebSocket _socket;
    private readonly ThreadSessions _sessions;
    private readonly UserRateLimiter _limiter;
    private readonly RealtimeOptions _options;
    private readonly ILogger _logger;
    private readonly FrameSender _sender;
    private readonly Action _abortConnection;
    private readonly WebSocketHeartbeat _heartbeat;
    private long _lastHeardTicks = Environment.TickCount64;
    private long _lastPingTicks;
    private volatile bool _ended;
    // Message frames still being handled while the loop reads on, oldest first, each with its receive buffer (touched by the receive loop only).
    private Queue<(Task Handling, byte[] Buffer)>? _overlapping;

    // abortConnection ends the client's connection (which fires its closed or aborted token and ends a pending
    // receive): a dead or too slow peer is dropped this way, with no cancellation source of the session's own.
    public WebSocketSession(WebSocket socket, WebSocketWire wire, Action abortConnection, ThreadSessions sessions, UserRateLimiter limiter, RealtimeOptions options,
        WebSocketHeartbeat heartbeat, ILogger logger)
    {
        _socket = socket;
        _abortConnection = abortConnection;
        _heartbeat = heartbeat;
        _sessions = sessions;
        _limiter = limiter;
        _options = options;
        _logger = logger;
        // The first ping comes at a random point of the first interval, never later: clients that connected together (a
        // reconnect wave after a restart, a load test) would otherwise be pinged in one burst every interval for good.
        _lastPingTicks = _lastHeardTicks - Random.Shared.NextInt64(PingIntervalMs);
        _sender = new FrameSender(wire.Output, options.WebSocketSendQueueLimit, onTooSlow: OnTooSlow, onFailed: Disconnect);
        wire.Sender = _sender;
    }

    public async Task RunAsync(string connectionId, string userName, string accessToken, CancellationToken cancellationToken)
    {
        var connection = new ClientConnection(connectionId, userName, accessToken, this);
        try
        {
            await _sessions.ConnectAsync(connection);
        }
        catch (HubOperationException e)
        {
            Send(new OutgoingFrame(EventTypes.Error, e.ToEvent("connect")));
            await CloseAsync(WebSocketCloseStatus.PolicyViolation, e.Code);
            return;
        }
        try
        {
            Send(new OutgoingFrame(EventTypes.ConnectionEstablished, new ConnectionEstablishedPayload(connection.ConnectionId, userName,
                ProtocolInfo.Version, (int)PingIntervalMs, (int)DeadPeerTimeoutMs)));
            _heartbeat.Add(this, NextBeat(Interlocked.Read(ref _lastHeardTicks)));
            await ReceiveLoopAsync(connection, cancellationToken);
        }
        finally
        {
            _ended = true;
            await _sessions.DisconnectAsync(connection.ConnectionId);
            await CloseAsync(WebSocketCloseStatus.NormalClosure, "bye");
        }
    }

    /// <summary>
    /// Called by <see cref="WebSocketHeartbeat"/> when the session is due: disconnects a silent peer (strictly past the
    /// timeout), sends the ping when one is due by the middle of the next tick. Returns when it is next due (its next
    /// ping, or the moment it will have been silent too long), or null when the heartbeat is done with it (the session
    /// ended, or its peer was dead).
    /// </summary>
    public long? Beat(long nowTicks)
    {
        if (_ended)
        {
            return null;
        }
        var lastHeard = Interlocked.Read(ref _lastHeardTicks);
        if (nowTicks - lastHeard > DeadPeerTimeoutMs)
        {
            LogDeadPeer(_options.WebSocketDeadPeerTimeout.TotalSeconds);
            Disconnect();
            return null;
        }
        if (nowTicks + WebSocketHeartbeat.PingSlackMs - _lastPingTicks >= PingIntervalMs)
        {
            _lastPingTicks = nowTicks;
            _sender.Send(_heartbeat.PingFrame());
        }
        return NextBeat(lastHeard);
    }

    private long PingIntervalMs => (long)_options.WebSocketPingInterval.TotalMilliseconds;

    private long DeadPeerTimeoutMs => (long)_options.WebSocketDeadPeerTimeout.TotalMilliseconds;

    private long NextBeat(long lastHeard) => Math.Min(_lastPingTicks + PingIntervalMs, lastHeard + DeadPeerTimeoutMs + 1);

    private async Task ReceiveLoopAsync(ClientConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            while (_socket.State == WebSocketState.Open && !cancellationToken.IsCancellationRequested)
            {
                var (buffer, length, tooLarge) = await ReceiveMessageAsync(cancellationToken);
                if (buffer is null)
                {
                    return;
                }
                Interlocked.Exchange(ref _lastHeardTicks, Environment.TickCount64);
                if (tooLarge)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    SendError(ErrorCodes.FrameTooLarge, $"Frames are limited to {_options.MaxFrameBytes} bytes.", null, null);
                    continue;
                }
                var handling = StartFrame(connection, buffer.AsMemory(0, length), out var mayOverlap, cancellationToken);
                if (handling.IsCompleted || !mayOverlap)
                {
                    await WhenHandledAsync(handling, buffer);
                    continue;
                }
                (_overlapping ??= new Queue<(Task, byte[])>()).Enqueue((handling, buffer));
                if (_overlapping.Count >= _options.MaxConcurrentCallsPerConnection)
                {
                    var (oldest, itsBuffer) = _overlapping.Dequeue();
                    await WhenHandledAsync(oldest, itsBuffer);
                }
            }
        }
        finally
        {
            await DrainOverlappingAsync();
        }
    }

    /// <summary>Waits for the frame's handling to end (an error it did not turn into an error frame included), then gives its buffer back.</summary>
    private static async Task WhenHandledAsync(Task handling, byte[] buffer)
    {
        try
        {
            await handling.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task DrainOverlappingAsync()
    {
        while (_overlapping is { Count: > 0 } overlapping)
        {
            var (handling, buffer) = overlapping.Dequeue();
            await WhenHandledAsync(handling, buffer);
        }
        _overlapping = null;
    }

    /// <summary>
    /// The next whole message in a pooled buffer (null when the client closed or went away). It first waits with an
    /// empty buffer, so a client that sends nothing holds none; a message over the limit is read to its end and dropped.
    /// Its state machine is pooled: a receive of an idle client waits for seconds (until its next pong), so one allocated
    /// per receive would outlive collections and be copied into the older generations each time.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(byte[]? Buffer, int Length, bool TooLarge)> ReceiveMessageAsync(CancellationToken cancellationToken)
    {
        ValueWebSocketReceiveResult result;
        try
        {
            result = await _socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            return (null, 0, false);
        }
        if (result.MessageType == WebSocketMessageType.Close)
        {
            return (null, 0, false);
        }
        var buffer = ArrayPool<byte>.Shared.Rent(FirstReceiveBufferBytes);
        var length = 0;
        var tooLarge = false;
        try
        {
            while (!result.EndOfMessage)
            {
                if (length == buffer.Length)
                {
                    if (length > _options.MaxFrameBytes)
                    {
                        tooLarge = true;
                        length = 0; // keep reading to the end of this message, but drop it
                    }
                    else
                    {
                        buffer = Grow(buffer, Math.Min(buffer.Length * 2, _options.MaxFrameBytes + 1));
                    }
                }
                result = await _socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return (null, 0, false);
                }
                length += result.Count;
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, 0, false);
        }
        return (buffer, length, tooLarge || length > _options.MaxFrameBytes);
    }

    private static byte[] Grow(byte[] buffer, int size)
    {
        var larger = ArrayPool<byte>.Shared.Rent(size);
        buffer.CopyTo(larger, 0);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }

    /// <summary>
    /// Parses the frame and starts handling it. Messages (<c>user_message</c>, <c>run_rule</c>) may overlap with the
    /// frames after them, as hub calls do (up to <c>MaxConcurrentCallsPerConnection</c>): a connection's messages are
    /// queued for their thread in the order they came before the first await, so a sender need not wait for each
    /// commit and those that queue meanwhile are stored together. Every other frame waits for the messages before it
    /// and is awaited by the loop, so nothing overtakes it.
    /// </summary>
    private Task StartFrame(ClientConnection connection, ReadOnlyMemory<byte> frame, out bool mayOverlap, CancellationToken cancellationToken)
    {
        mayOverlap = false;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(frame);
        }
        catch (JsonException)
        {
            SendError(ErrorCodes.MalformedJson, "The frame is not valid JSON.", null, null);
            return Task.CompletedTask;
        }
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
        {
            document.Dispose();
            SendError(ErrorCodes.MalformedJson, "A frame is a JSON object with a string \"type\".", null, null);
            return Task.CompletedTask;
        }
        var type = typeElement.GetString()!;
        var requestId = root.TryGetProperty("request_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
        mayOverlap = type is EventTypes.UserMessage or EventTypes.RunRule;
        return HandleFrameAsync(connection, document, type, requestId, mayOverlap, cancellationToken);
    }

    private async Task HandleFrameAsync(ClientConnection connection, JsonDocument document, string type, string? requestId, bool mayOverlap,
        CancellationToken cancellationToken)
    {
        using var owned = document;
        try
        {
            var payload = document.RootElement.TryGetProperty("payload", out var p) ? p : default;
            _limiter.Acquire(connection.UserName, isMessage: mayOverlap, isKeepAlive: type is EventTypes.Ping or EventTypes.Pong);
            if (!mayOverlap)
            {
                await DrainOverlappingAsync();
            }
            await DispatchAsync(connection, type, payload, requestId, cancellationToken);
        }
        catch (JsonException)
        {
            SendError(ErrorCodes.Validation, $"The payload of '{type}' is not what it should be; see the protocol in the README.", type, requestId);
        }
        catch (HubOperationException e)
        {
            SendError(e.Code, e.Message, type, requestId);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogUnexpected(e, type);
            SendError(ErrorCodes.Internal, "Something went wrong on our side; try again.", type, requestId);
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
                Send(new OutgoingFrame(EventTypes.Pong, new PongPayload(DateTimeOffset.UtcNow), RequestId: requestId));
                break;
            case EventTypes.Pong:
                break; // the answer to our ping: being heard is all that matters
            case EventTypes.HealthCheck:
                Send(new OutgoingFrame(EventTypes.HealthResponse,
                    new HealthResponsePayload("healthy", Environment.MachineName, WebSocketEndpoint.OpenConnections, DateTimeOffset.UtcNow), RequestId: requestId));
                break;
            case EventTypes.JoinThread:
                var join = Read<JoinThreadFrame>(payload);
                var joined = await _sessions.JoinAsync(connection, join.ThreadId, join.AfterSeq, cancellationToken);
                Send(new OutgoingFrame(EventTypes.ThreadJoined, joined, joined.ThreadId, RequestId: requestId));
                break;
            case EventTypes.LeaveThread:
                var leave = Read<LeaveThreadFrame>(payload);
                await _sessions.LeaveAsync(connection, leave.ThreadId);
                Send(new OutgoingFrame(EventTypes.ThreadLeft, new ThreadLeftPayload(leave.ThreadId), leave.ThreadId, RequestId: requestId));
                break;
            case EventTypes.UserMessage:
                var message = Read<UserMessageFrame>(payload);
                var accepted = await _sessions.SendMessageAsync(connection, message.ThreadId, message.ClientMessageId, message.Text, cancellationToken);
                Send(new OutgoingFrame(EventTypes.MessageAccepted,
                    new MessageAcceptedPayload(accepted.ThreadId, accepted.MessageId, accepted.Seq, accepted.Duplicate, message.ClientMessageId!), accepted.ThreadId, RequestId: requestId));
                break;
            case EventTypes.RunRule:
                var rule = Read<RunRuleFrame>(payload);
                var clientMessageId = rule.ClientMessageId ?? requestId ?? Guid.NewGuid().ToString("N");
                var ruleAccepted = await _sessions.SendMessageAsync(connection, rule.ThreadId, clientMessageId, rule.AsMessage(), cancellationToken);
                Send(new OutgoingFrame(EventTypes.RuleAccepted,
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
                Send(new OutgoingFrame(EventTypes.WorkflowApprovalAccepted, decided, RequestId: requestId));
                break;
            case EventTypes.WorkflowCancel:
                var cancel = Read<WorkflowCancelFrame>(payload);
                var cancelled = await _sessions.CancelAsync(connection, cancel.WorkflowId, cancellationToken);
                Send(new OutgoingFrame(EventTypes.WorkflowCancelAccepted, cancelled, RequestId: requestId));
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

    private void Send(OutgoingFrame frame) => _sender.Send(SharedFrames.Frame(frame));

    private void SendError(string code, string message, string? operation, string? requestId) =>
        Send(new OutgoingFrame(EventTypes.Error, new ErrorEvent(code, message, operation), RequestId: requestId));

    private void OnTooSlow()
    {
        // The client reads slower than its thread moves: it is disconnected and will rejoin from its last seq.
        LogTooSlow();
        Disconnect();
    }

    private void Disconnect()
    {
        _socket.Abort();
        _abortConnection();
    }

    private async Task CloseAsync(WebSocketCloseStatus status, string description)
    {
        await _sender.CompleteAsync(TimeSpan.FromSeconds(5));
        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try
            {
                await _socket.CloseAsync(status, description, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception e) when (e is WebSocketException or IOException or TimeoutException or ObjectDisposedException)
            {
                _socket.Abort();
            }
        }
    }

    public ValueTask SendEventAsync(ThreadEvent threadEvent, CancellationToken cancellationToken)
    {
        _sender.Send(SharedFrames.Of(threadEvent));
        return ValueTask.CompletedTask;
    }

    public ValueTask SendEventsAsync(IReadOnlyList<ThreadEvent> events, CancellationToken cancellationToken)
    {
        _sender.Send(SharedFrames.Of(events));
        return ValueTask.CompletedTask;
    }

    public ValueTask SendTypingAsync(TypingEvent typing, CancellationToken cancellationToken)
    {
        _sender.Send(SharedFrames.Of(typing));
        return ValueTask.CompletedTask;
    }

    public ValueTask SendPresenceAsync(PresenceEvent presence, CancellationToken cancellationToken)
    {
        _sender.Send(SharedFrames.Of(presence));
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A /ws frame of type {Type} failed")]
    private partial void LogUnexpected(Exception exception, string? type);

    [LoggerMessage(Level = LogLevel.Information, Message = "A /ws client sent nothing for {Seconds} s; disconnected as dead")]
    private partial void LogDeadPeer(double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A /ws client fell too far behind; disconnected")]
    private partial void LogTooSlow();
}
