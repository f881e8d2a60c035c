using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.WebSockets;
using System.Security.Claims;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;

namespace Agents.Realtime.Hub;

/// <summary>
/// A hub connection that skipped negotiation, taken before the HTTP server by <see cref="DirectWebSockets"/> as /ws
/// connections are: SignalR's own <see cref="HubConnectionHandler{THub}"/> runs it (handshake, protocols, invocations,
/// client timeout, the backplane, the hub and its filters), over this connection in place of
/// SignalR's HTTP transport. What that takes away per connection: Kestrel's HTTP/1.1 request kept under the WebSocket,
/// the middleware awaiting it, SignalR's HTTP connection with its pipe pair and send loop; and per message, each
/// write's passes through two pipes and the thread pool. Frames from the client are read by .NET's WebSocket into a pipe
/// that SignalR reads; what SignalR writes goes out as WebSocket frames through a <see cref="FrameSender"/> straight to
/// the socket (<see cref="HubFrameWriter"/>), and thread events, framed once for every such connection, the same way.
/// SignalR's keep-alive ping is sent by the instance's <see cref="WebSocketHeartbeat"/>, each connection at its own
/// second of the interval: SignalR's own pinged every connection of the instance from one walk of Kestrel's heartbeat,
/// so a thousand clients that connected together were sent a thousand pings in one burst every 16 s, which delayed
/// the messages under way (bench/realtime/README.md, "Keep-alives spread on the server too").
/// </summary>
internal sealed partial class DirectHubConnection : ConnectionContext, IConnectionUserFeature, ITransferFormatFeature, IDuplexPipe,
    IConnectionInherentKeepAliveFeature, IHeartbeatClient
{
    private readonly ConnectionContext _connection;
    private readonly WebSocket _socket;
    private readonly FrameSender _sender;
    private readonly Pipe _received;
    private readonly HubFrameWriter _output;
    private readonly long _keepAliveMs;
    private readonly ILogger _logger;
    private volatile bool _ended;
    private IDictionary<object, object?>? _items;

    private DirectHubConnection(ConnectionContext connection, WebSocket socket, WebSocketWire wire, string connectionId, ClaimsPrincipal user,
        string accessToken, RealtimeOptions options, ILogger logger)
    {
        _connection = connection;
        _socket = socket;
        _logger = logger;
        ConnectionId = connectionId;
        User = user;
        AccessToken = accessToken;
        _sender = new FrameSender(wire.Output, options.WebSocketSendQueueLimit, onTooSlow: OnTooSlow, onFailed: Abort);
        wire.Sender = _sender;
        // Inline on both sides: SignalR reads what the receive loop flushes on the loop's thread, with no hand-off.
        _received = new Pipe(new PipeOptions(pauseWriterThreshold: 2L * options.MaxFrameBytes, resumeWriterThreshold: options.MaxFrameBytes,
            readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false));
        _output = new HubFrameWriter(_sender, () => ActiveFormat == TransferFormat.Binary);
        _keepAliveMs = (long)options.HubKeepAliveInterval.TotalMilliseconds;
        Features = new FeatureCollection(7);
        // Kestrel's own, as SignalR finds them when it runs a hub on a Kestrel connection: its heartbeat (every second)
        // drives SignalR's client timeout, and its request to close when the server stops makes SignalR send its close
        // message (reconnect allowed).
        Features.Set(connection.Features.Get<IConnectionHeartbeatFeature>());
        Features.Set(connection.Features.Get<IConnectionLifetimeNotificationFeature>());
        Features.Set<IConnectionUserFeature>(this);
        Features.Set<ITransferFormatFeature>(this);
        // Tells SignalR not to ping: this connection's pings are the heartbeat's (Beat).
        Features.Set<IConnectionInherentKeepAliveFeature>(this);
        Features.Set(this);
    }

    /// <summary>The user's token, for the hub's calls to the Api on their behalf.</summary>
    public string AccessToken { get; }

    public override string ConnectionId { get; set; }

    public override IFeatureCollection Features { get; }

    public override IDictionary<object, object?> Items
    {
        get => _items ??= new ConcurrentDictionary<object, object?>();
        set => _items = value;
    }

    public override IDuplexPipe Transport
    {
        get => this;
        set => throw new NotSupportedException("A direct hub connection's transport is the connection itself.");
    }

    public override CancellationToken ConnectionClosed
    {
        get => _connection.ConnectionClosed;
        set => throw new NotSupportedException();
    }

    public override EndPoint? RemoteEndPoint
    {
        get => _connection.RemoteEndPoint;
        set => throw new NotSupportedException();
    }

    public override EndPoint? LocalEndPoint
    {
        get => _connection.LocalEndPoint;
        set => throw new NotSupportedException();
    }

    public ClaimsPrincipal? User { get; set; }

    public PipeReader Input => _received.Reader;

    public PipeWriter Output => _output;

    public TransferFormat SupportedFormats { get; } = TransferFormat.Text | TransferFormat.Binary;

    public TransferFormat ActiveFormat { get; set; } = TransferFormat.Text;

    public bool HasInherentKeepAlive => true;

    public override void Abort(ConnectionAbortedException abortReason)
    {
        _socket.Abort();
        _connection.Abort(abortReason);
    }

    /// <summary>A message already serialised for many connections: its frame, shared by every connection of this protocol, goes out as it is.</summary>
    public void Send(SerializedHubMessage message, IHubProtocol protocol) => _sender.Send(HubFrames.Of(message, protocol));

    /// <summary>
    /// Called by the heartbeat when the connection is due: SignalR's ping, once SignalR has answered the handshake (the
    /// answer must be the first thing the client reads; until then it comes back a tick later). Returns when it is
    /// next due, or null once the connection has ended.
    /// </summary>
    public long? Beat(long nowTicks)
    {
        if (_ended)
        {
            return null;
        }
        if (!_output.Started)
        {
            return nowTicks + 1_000;
        }
        _sender.Send(HubFrames.Ping(ActiveFormat == TransferFormat.Binary));
        return nowTicks + _keepAliveMs;
    }

    /// <summary>Runs an accepted hub WebSocket to its end: SignalR's handler on this connection, with the receive loop beside it.</summary>
    public static async Task RunAsync(IServiceProvider services, ConnectionContext connection, WebSocket socket, WebSocketWire wire, string connectionId,
        ClaimsPrincipal user, string accessToken)
    {
        var direct = new DirectHubConnection(connection, socket, wire, connectionId, user, accessToken,
            services.GetRequiredService<IOptions<RealtimeOptions>>().Value, services.GetRequiredService<ILogger<DirectHubConnection>>());
        var receiving = direct.ReceiveAsync();
        // Its own second of the interval: connections opened together are pinged apart.
        services.GetRequiredService<WebSocketHeartbeat>().Add(direct, Environment.TickCount64 + Random.Shared.NextInt64(direct._keepAliveMs));
        try
        {
            await services.GetRequiredService<HubConnectionHandler<AgentHub>>().OnConnectedAsync(direct);
        }
        finally
        {
            await direct.CloseAsync(receiving);
        }
    }

    /// <summary>
    /// What the client sends, into the pipe SignalR reads, flushed as it arrives (SignalR's messages carry their own
    /// framing, so a WebSocket message's bounds do not matter, as over SignalR's own WebSocket transport): the pipe's
    /// limit holds back a client that sends faster than the hub reads, and SignalR's receive size limit applies as it
    /// builds up. Waits for data with no buffer, so an idle client holds none. Ends (completing the pipe, which ends
    /// SignalR's loop) when the client closes or goes away.
    /// </summary>
    private async Task ReceiveAsync()
    {
        var pipe = _received.Writer;
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None);
                if (result.MessageType != WebSocketMessageType.Close && !result.EndOfMessage)
                {
                    result = await _socket.ReceiveAsync(pipe.GetMemory(), CancellationToken.None);
                    pipe.Advance(result.Count);
                }
                if (result.MessageType == WebSocketMessageType.Close || (await pipe.FlushAsync()).IsCompleted)
                {
                    return; // the client closed, or SignalR is done with the connection
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away: SignalR sees the end of its input.
        }
        finally
        {
            await pipe.CompleteAsync();
        }
    }

    /// <summary>After SignalR is done: what it wrote (its close message) goes out, then the WebSocket's close, then the connection ends.</summary>
    private async Task CloseAsync(Task receiving)
    {
        _ended = true;
        await Output.CompleteAsync();
        await _sender.CompleteAsync(TimeSpan.FromSeconds(5));
        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception e) when (e is WebSocketException or IOException or TimeoutException or ObjectDisposedException or OperationCanceledException)
            {
                // The client went first (ManagedWebSocket reports a broken pipe as a cancellation): nothing to tell it.
            }
        }
        // The client's answering close ends the receive loop; one that never answers is cut off.
        await receiving.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Abort();
        await receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _received.Reader.CompleteAsync();
    }

    private void OnTooSlow()
    {
        // The client reads slower than its threads move: it is disconnected and will rejoin from its last seq.
        LogTooSlow();
        Abort();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A hub client read too slowly and was disconnected")]
    private partial void LogTooSlow();
}
