using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace Agents.Realtime.Hub;

/// <summary>
/// A message going to many directly taken hub connections is framed once per protocol, not once per connection: the
/// WebSocket frame (text for JSON, binary for MessagePack) is kept for the last few messages, found by the message's
/// identity (thread delivery hands the same message to every connection of the thread in turn).
/// </summary>
internal static class HubFrames
{
    private static readonly RecentByIdentity<SerializedHubMessage, ByProtocol> Frames = new(16);

    // SignalR's ping in each protocol, as its own keep-alive writes it (JSON text, MessagePack binary).
    private static readonly byte[] JsonPing = TextFrames.Frame(new JsonHubProtocol().GetMessageBytes(PingMessage.Instance).Span, binary: false);
    private static readonly byte[] MessagePackPing = TextFrames.Frame(new MessagePackHubProtocol().GetMessageBytes(PingMessage.Instance).Span, binary: true);

    /// <summary>The keep-alive ping frame of a connection's protocol, the same bytes for every connection.</summary>
    public static byte[] Ping(bool binary) => binary ? MessagePackPing : JsonPing;

    public static byte[] Of(SerializedHubMessage message, IHubProtocol protocol) =>
        Frames.GetOrAdd(message, static _ => new ByProtocol()).Get(message, protocol);

    private sealed class ByProtocol
    {
        // Nearly always one protocol (a thread's members all use JSON, or all MessagePack), so a short list.
        private readonly Lock _gate = new();
        private (string Protocol, byte[] Frame)[] _frames = [];

        public byte[] Get(SerializedHubMessage message, IHubProtocol protocol)
        {
            foreach (var (name, frame) in Volatile.Read(ref _frames))
            {
                if (name == protocol.Name)
                {
                    return frame;
                }
            }
            var framed = TextFrames.Frame(message.GetSerializedMessage(protocol).Span, protocol.TransferFormat == TransferFormat.Binary);
            lock (_gate)
            {
                _frames = [.. _frames, (protocol.Name, framed)];
            }
            return framed;
        }
    }
}
