using System.ComponentModel.DataAnnotations;

namespace Agents.Realtime.Limits;

/// <summary>What one user may do, and how much; defaults in code, overridable in the Realtime section.</summary>
public sealed class RealtimeOptions
{
    public const string SectionName = "Realtime";

    /// <summary>The longest message text, in characters (at most what the store takes, as the Api's REST endpoints do).</summary>
    [Range(1, MessageLimits.MaxTextLength)]
    public int MaxMessageLength { get; set; } = 8_000;

    /// <summary>The largest frame a client may send (SignalR message or WebSocket frame), in bytes.</summary>
    [Range(1_024, 1_048_576)]
    public int MaxFrameBytes { get; set; } = 64 * 1024;

    /// <summary>Messages a user may send per second, on average.</summary>
    [Range(1, 10_000)]
    public int MessagesPerSecond { get; set; } = 10;

    /// <summary>Messages a user may send at once before the average applies.</summary>
    [Range(1, 10_000)]
    public int MessageBurst { get; set; } = 20;

    /// <summary>Other requests (join, typing...) a user may make per second.</summary>
    [Range(1, 10_000)]
    public int RequestsPerSecond { get; set; } = 50;

    /// <summary>
    /// Hub calls one connection may have running at once. Above 1, a client that does not wait for each answer gets its
    /// messages stored several per transaction (see OutgoingMessages), in the order it sent them.
    /// </summary>
    [Range(1, 1_000)]
    public int MaxConcurrentCallsPerConnection { get; set; } = 32;

    /// <summary>Connections one user may hold at once, across Realtime instances.</summary>
    [Range(1, 1_000)]
    public int MaxConnectionsPerUser { get; set; } = 20;

    /// <summary>How long a typing indicator lasts without a refresh.</summary>
    public TimeSpan TypingTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often the hub sends each client SignalR's keep-alive ping (SignalR's KeepAliveInterval; a SignalR client's
    /// server timeout, 30 s by default, should be at least twice this).
    /// </summary>
    public TimeSpan HubKeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often /ws sends a ping frame; a client should answer pong (any frame counts as a sign of life).</summary>
    public TimeSpan WebSocketPingInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A /ws client that sends nothing for this long is taken for dead and disconnected.</summary>
    public TimeSpan WebSocketDeadPeerTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>Frames waiting to go to one /ws client; a client that falls this far behind is disconnected.</summary>
    [Range(16, 1_000_000)]
    public int WebSocketSendQueueLimit { get; set; } = 10_000;

    /// <summary>
    /// A connection whose first request is a /ws upgrade becomes a WebSocket before Kestrel's HTTP server sees it, and
    /// keeps none of its per-request state (see DirectWebSockets); false leaves every /ws connection to the HTTP server.
    /// </summary>
    public bool DirectWebSockets { get; set; } = true;

    /// <summary>
    /// A thread's fan-out hands the kernel its sends to the connections taken directly a batch at a time, in one system
    /// call (io_uring, on Linux), rather than one <c>send</c> per connection (see SendBatch); false, or no io_uring here,
    /// sends one by one.
    /// </summary>
    public bool BatchedSends { get; set; } = true;

    /// <summary>
    /// Growth of the GC heap (MiB, from its smallest) after which, once the process is quiet, one compacting collection
    /// gives the memory back to the OS (see IdleHeapCompaction); 0 turns it off.
    /// </summary>
    [Range(0, 1_000_000)]
    public int CompactHeapGrowthMiB { get; set; } = 16;

    /// <summary>Seconds in a row without client work (connections opening or closing, requests, deliveries) before that collection runs.</summary>
    [Range(1, 3_600)]
    public int CompactHeapQuietSeconds { get; set; } = 3;

    /// <summary>How long presence survives a Realtime instance that vanished without saying goodbye.</summary>
    public TimeSpan PresenceTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
