using System.Buffers.Text;
using System.Text.Json;
using StackExchange.Redis;

namespace Agents.Messaging;

/// <summary>
/// The Redis stream every committed event goes on, and the form of its entries: written by whatever commits events (the
/// Api's requests and runs, the message store in Realtime and the Api) and read by every Realtime instance.
/// </summary>
public static class EventStream
{
    public const string Key = "agents:thread-events";

    /// <summary>An event as a stream entry, with the trace of what made it (the reader's delivery joins that trace).</summary>
    public static NameValueEntry[] Entry(ThreadEvent threadEvent, string? traceParent)
    {
        NameValueEntry[] entry =
        [
            new NameValueEntry("thread", threadEvent.ThreadId.ToString()),
            new NameValueEntry("seq", threadEvent.Seq),
            new NameValueEntry("type", threadEvent.Type),
            new NameValueEntry("payload", threadEvent.Payload.GetRawText()),
            new NameValueEntry("created", threadEvent.CreatedAt.ToUnixTimeMilliseconds()),
        ];
        return traceParent is null ? entry : [.. entry, new NameValueEntry("traceparent", traceParent)];
    }

    /// <summary>
    /// An entry's thread and seq, read without its payload: a reader can tell an event it has already delivered (the
    /// stream's copy of what its own store committed) before it pays for the rest.
    /// </summary>
    public static bool TryReadPosition(IReadOnlyDictionary<string, RedisValue> fields, out Guid threadId, out long seq)
    {
        threadId = default;
        seq = 0;
        return fields.TryGetValue("thread", out var thread) && TryParseWhole(((ReadOnlyMemory<byte>)thread).Span, out threadId)
            && fields.TryGetValue("seq", out var seqValue) && seqValue.TryParse(out seq);
    }

    // Utf8Parser stops at the end of a GUID and says how far it read: an id with anything after it is not an id.
    private static bool TryParseWhole(ReadOnlySpan<byte> utf8, out Guid value) =>
        Utf8Parser.TryParse(utf8, out value, out var consumed) && consumed == utf8.Length;

    /// <summary>An entry's event, or null with the reason when the entry is not a well-formed event.</summary>
    public static ThreadEvent? Read(IReadOnlyDictionary<string, RedisValue> fields, out string? problem)
    {
        problem = null;
        if (!TryReadPosition(fields, out var threadId, out var seq)
            || !fields.TryGetValue("type", out var type) || !fields.TryGetValue("payload", out var payload))
        {
            problem = "it needs a thread id, a seq, a type and a payload";
            return null;
        }
        var created = fields.TryGetValue("created", out var ms) && ms.TryParse(out long unixMs)
            ? DateTimeOffset.FromUnixTimeMilliseconds(unixMs)
            : DateTimeOffset.UtcNow;
        try
        {
            // Parsed from the entry's UTF-8 bytes as they came: no string of the payload on the way.
            using var document = JsonDocument.Parse((ReadOnlyMemory<byte>)payload);
            return new ThreadEvent(threadId, seq, (string)type!, document.RootElement.Clone(), created);
        }
        catch (JsonException e)
        {
            problem = $"its payload is not JSON ({e.Message})";
            return null;
        }
    }

    /// <summary>The trace an entry's event belongs to, when its writer gave one.</summary>
    public static string? TraceParentOf(IReadOnlyDictionary<string, RedisValue> fields) =>
        fields.TryGetValue("traceparent", out var traceParent) ? (string?)traceParent : null;
}
