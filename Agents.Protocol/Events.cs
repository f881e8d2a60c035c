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

/// <summary>A piece of a reply being generated: <see cref="Delta"/> is new text only, <see cref="Index"/> counts pieces from 0.</summary>
public sealed record LlmTokenPayload(Guid RunId, int Index, string Delta);

/// <summary>The model's state for a run: generating, ready, cancelled or error.</summary>
public sealed record LlmStatusPayload(Guid RunId, string Status, string Model, string? Error = null);

/// <summary>One step of a plan as shown to people; <see cref="Arguments"/> may be edited before approval.</summary>
public sealed record PlanStepInfo(int StepNumber, string Action, string Tool, IReadOnlyDictionary<string, string> Arguments, bool RequiresApproval);

public sealed record GoalReceivedPayload(Guid WorkflowId, string Goal);

public sealed record PlanReadyPayload(Guid WorkflowId, string Goal, IReadOnlyList<PlanStepInfo> Steps);

public sealed record ProgressPayload(Guid WorkflowId, int Percentage, string Stage);

public sealed record WorkflowStepPayload(Guid WorkflowId, int StepNumber, int TotalSteps, string Action, string? Result = null);

public sealed record WorkflowApprovalRequiredPayload(Guid WorkflowId, int StepNumber, string Action, string Details, string Tool, IReadOnlyDictionary<string, string> Arguments);

public sealed record WorkflowApprovalPayload(Guid WorkflowId, int StepNumber, bool Approved, string? Message, string By, IReadOnlyDictionary<string, string>? Arguments);

public sealed record WorkflowCompletedPayload(Guid WorkflowId, int TotalSteps);

public sealed record WorkflowFailedPayload(Guid WorkflowId, int FailedStep, string Error);

public sealed record WorkflowCancelledPayload(Guid WorkflowId, int CancelledAtStep, string Reason);

public sealed record GoalCompletedPayload(Guid WorkflowId, string Goal, string Summary);

public sealed record CommandExecutionStartPayload(Guid WorkflowId, int StepNumber, string Command, IReadOnlyList<string> Arguments);

public sealed record CommandExecutionEndPayload(Guid WorkflowId, int StepNumber, string Command, int ExitCode, string Output, bool Truncated, bool TimedOut, double DurationMs);

public sealed record ToolCodePayload(Guid WorkflowId, int StepNumber, string Tool, IReadOnlyDictionary<string, string> Arguments);

/// <summary>A rule's text was translated; the SQL is shown before anything is created.</summary>
public sealed record RuleSqlGeneratedPayload(Guid RunId, string Rule, string Text, string Sql, string Translator);

/// <summary>A rule's view was created or refreshed: its name, row count, view and a preview of its first rows.</summary>
public sealed record RuleResultPayload(Guid RunId, Guid RuleId, string Rule, long Rows, string View, double DurationMs, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<object?>> Preview);

/// <summary>A rule could not be translated or run (in the thread's log as an <c>error</c> event).</summary>
public sealed record RuleErrorPayload(Guid RunId, string Rule, string Message, IReadOnlyList<string> Suggestions);

public sealed record ToolOutputPayload(Guid WorkflowId, int StepNumber, string Tool, string Output);

/// <summary>A decision on a step waiting for approval; <see cref="Arguments"/> replaces the step's arguments when given.</summary>
public sealed record WorkflowApprovalRequest(bool Approved, string? Message, IReadOnlyDictionary<string, string>? Arguments);

/// <summary>What the Api answers to an approval or a cancel.</summary>
public sealed record WorkflowActionResult(Guid WorkflowId, string Status);

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

/// <summary>The Api's answer to a batch of messages (POST /api/threads/{id}/messages/batch): one result per message, in order.</summary>
public sealed record PostMessagesResult(IReadOnlyList<SendMessageResult> Results);

/// <summary>The wire form of an event, as JSON: snake_case names in payloads.</summary>
public static class ProtocolJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public static JsonElement ToElement<T>(T payload) => JsonSerializer.SerializeToElement(payload, Options);
}
