using System.Text.Json;
using System.Text.Json.Serialization;

namespace Agents.Realtime.WebSockets;

/// <summary>
/// A frame of the /ws protocol: <c>{"type": ..., "payload": {...}}</c>, snake_case. Events of a thread's log also carry
/// <c>thread_id</c>, <c>seq</c> and <c>created_at</c>; answers to a request echo its <c>request_id</c>.
/// </summary>
public sealed record OutgoingFrame(
    string Type,
    object Payload,
    Guid? ThreadId = null,
    long? Seq = null,
    DateTimeOffset? CreatedAt = null,
    string? RequestId = null)
{
    public static OutgoingFrame From(ThreadEvent threadEvent) =>
        new(threadEvent.Type, threadEvent.Payload, threadEvent.ThreadId, threadEvent.Seq, threadEvent.CreatedAt);
}

public sealed record JoinThreadFrame(Guid ThreadId, long AfterSeq);

public sealed record LeaveThreadFrame(Guid ThreadId);

public sealed record UserMessageFrame(Guid ThreadId, string? ClientMessageId, string? Text);

/// <summary>The AutoBot protocol's rule request: the rule's text and, optionally, its name; it goes to the thread as the
/// message "run &lt;text&gt;" (or "rule &lt;name&gt;: &lt;text&gt;"), so everyone in the thread sees it and the agent answers it.</summary>
public sealed partial record RunRuleFrame(Guid ThreadId, string? RuleCode, string? RuleId, string? ClientMessageId)
{
    public string AsMessage()
    {
        if (string.IsNullOrWhiteSpace(RuleCode))
        {
            throw new HubOperationException(ErrorCodes.Validation, "run_rule needs rule_code: what the rule selects, in plain words.");
        }
        if (RuleId is null)
        {
            return $"run {RuleCode.Trim()}";
        }
        return RuleName().IsMatch(RuleId)
            ? $"rule {RuleId}: {RuleCode.Trim()}"
            : throw new HubOperationException(ErrorCodes.Validation, "rule_id is a name of lower-case letters, digits and '_', starting with a letter (at most 55).");
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z][a-z0-9_]{0,54}$")]
    private static partial System.Text.RegularExpressions.Regex RuleName();
}

public sealed record RuleAcceptedPayload(Guid ThreadId, Guid MessageId, long Seq, bool Duplicate, string ClientMessageId, string? RuleId);

public sealed record TypingFrame(Guid ThreadId, bool IsTyping);

public sealed record WorkflowApprovalFrame(Guid WorkflowId, bool Approved, string? Message, Dictionary<string, string>? Arguments);

public sealed record WorkflowCancelFrame(Guid WorkflowId);

public sealed record ConnectionEstablishedPayload(string ConnectionId, string UserName, int ProtocolVersion, int PingIntervalMs, int DeadPeerTimeoutMs);

public sealed record PongPayload(DateTimeOffset Timestamp);

public sealed record HealthResponsePayload(string Status, string Instance, int Connections, DateTimeOffset Timestamp);

public sealed record ThreadLeftPayload(Guid ThreadId);

public sealed record MessageAcceptedPayload(Guid ThreadId, Guid MessageId, long Seq, bool Duplicate, string ClientMessageId);

public static class FrameJson
{
    public static JsonSerializerOptions Options { get; } = new(ProtocolJson.Options)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
