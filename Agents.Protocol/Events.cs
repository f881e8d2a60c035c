using System.Text.Json;

namespace Agents.Protocol;

/// <summary>One event of a thread's log: <see cref="Seq"/> is gap-free per thread, starting at 1.</summary>
public sealed record ThreadEvent(Guid ThreadId, long Seq, string Type, JsonElement Payload, DateTimeOffset CreatedAt);

/// <summary>A page of a thread's log.</summary>
public sealed record ThreadEventPage(Guid ThreadId, IReadOnlyList<ThreadEvent> Events, long LastSeq, bool HasMore);

public sealed record ThreadCreatedPayload(string Title, string Owner);

public sealed record ThreadRenamedPayload(string Title, string RenamedBy);

public sealed record MemberAddedPayload(string UserName, string AddedBy);

public sealed record UserMessagePayload(Guid MessageId, string Author, string ClientMessageId, string Text);

public sealed record BotStatusPayload(string Status, Guid? RunId);

public sealed record LlmResponsePayload(Guid RunId, string Response, string Model, double ProcessingTime);

/// <summary>Someone started or stopped typing in a thread (live only).</summary>
public sealed record TypingEvent(Guid ThreadId, string UserName, bool IsTyping);

/// <summary>Who is online in a thread now (live only).</summary>
public sealed record PresenceEvent(Guid ThreadId, IReadOnlyList<string> Users);

/// <summary>A typed error: a code from <see cref="ErrorCodes"/> and a message for people.</summary>
public sealed record ErrorEvent(string Code, string Message, string? Operation = null);

/// <summary>What JoinThread answers once the missed events were sent.</summary>
public sealed record JoinThreadResult(Guid ThreadId, long LastSeq, int Replayed, IReadOnlyList<string> Online);

/// <summary>What SendMessage answers once the message is committed.</summary>
public sealed record SendMessageResult(Guid ThreadId, Guid MessageId, long Seq, bool Duplicate);

/// <summary>The wire form of an event, as JSON: snake_case names in payloads.</summary>
public static class ProtocolJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public static JsonElement ToElement<T>(T payload) => JsonSerializer.SerializeToElement(payload, Options);
}
