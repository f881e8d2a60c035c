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

    /// <summary>An entry's event, or null with the reason when the entry is not a well-formed event.</summary>
    public static ThreadEvent? Read(IReadOnlyDictionary<string, string> fields, out string? problem)
    {
        problem = null;
        if (!fields.TryGetValue("thread", out var thread) || !Guid.TryParse(thread, out var threadId)
            || !fields.TryGetValue("seq", out var seqText) || !long.TryParse(seqText, out var seq)
            || !fields.TryGetValue("type", out var type) || !fields.TryGetValue("payload", out var payload))
        {
            problem = "it needs a thread id, a seq, a type and a payload";
            return null;
        }
        var created = fields.TryGetValue("created", out var ms) && long.TryParse(ms, out var unixMs)
            ? DateTimeOffset.FromUnixTimeMilliseconds(unixMs)
            : DateTimeOffset.UtcNow;
        try
        {
            using var document = JsonDocument.Parse(payload);
            return new ThreadEvent(threadId, seq, type, document.RootElement.Clone(), created);
        }
        catch (JsonException e)
        {
            problem = $"its payload is not JSON ({e.Message})";
            return null;
        }
    }

    /// <summary>The trace an entry's event belongs to, when its writer gave one.</summary>
    public static string? TraceParentOf(IReadOnlyDictionary<string, string> fields) => fields.GetValueOrDefault("traceparent");
}
