using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Agents.Realtime.WebSockets;

/// <summary>
/// An event going to many /ws clients is serialised once, not once per client: the frame's bytes are kept beside the
/// event object for as long as it lives (thread delivery hands the same object to every connection of the thread).
/// </summary>
internal static class SharedFrames
{
    private static readonly ConditionalWeakTable<object, byte[]> Frames = [];

    public static byte[] Of(ThreadEvent threadEvent) => Frames.GetValue(threadEvent, static e => Serialize(OutgoingFrame.From((ThreadEvent)e)));

    public static byte[] Of(TypingEvent typing) =>
        Frames.GetValue(typing, static e => Serialize(new OutgoingFrame(EventTypes.Typing, e, ((TypingEvent)e).ThreadId)));

    public static byte[] Of(PresenceEvent presence) =>
        Frames.GetValue(presence, static e => Serialize(new OutgoingFrame(EventTypes.Presence, e, ((PresenceEvent)e).ThreadId)));

    public static byte[] Serialize(OutgoingFrame frame) => JsonSerializer.SerializeToUtf8Bytes(frame, FrameJson.Options);
}
