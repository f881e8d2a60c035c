using System.Text.Json;

namespace Agents.Realtime.WebSockets;

/// <summary>
/// An event going to many /ws clients is serialised and framed once, not once per client: the frames of the last few
/// events (and batches, typing and presence notices) are kept by the object's identity, as thread delivery hands the
/// same object to every connection of the thread in turn, and the same array for a batch, whose frames are kept back
/// to back for one write per client.
/// </summary>
internal static class SharedFrames
{
    private static readonly RecentByIdentity<object, byte[]> Frames = new(16);

    public static byte[] Of(ThreadEvent threadEvent) =>
        Frames.GetOrAdd(threadEvent, static e => Frame(OutgoingFrame.From((ThreadEvent)e)));

    public static byte[] Of(IReadOnlyList<ThreadEvent> batch) =>
        batch.Count == 1
            ? Of(batch[0])
            : Frames.GetOrAdd(batch, static b => TextFrames.Concat([.. ((IReadOnlyList<ThreadEvent>)b).Select(Of)]));

    public static byte[] Of(TypingEvent typing) =>
        Frames.GetOrAdd(typing, static e => Frame(new OutgoingFrame(EventTypes.Typing, e, ((TypingEvent)e).ThreadId)));

    public static byte[] Of(PresenceEvent presence) =>
        Frames.GetOrAdd(presence, static e => Frame(new OutgoingFrame(EventTypes.Presence, e, ((PresenceEvent)e).ThreadId)));

    /// <summary>The frame on the wire: the WebSocket header, then the JSON.</summary>
    public static byte[] Frame(OutgoingFrame frame) => TextFrames.Frame(JsonSerializer.SerializeToUtf8Bytes(frame, FrameJson.Options));
}
