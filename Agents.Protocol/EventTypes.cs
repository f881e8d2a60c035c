namespace Agents.Protocol;

/// <summary>
/// The one event vocabulary of the app, shared by the Api (which writes the log), Realtime (which delivers it over
/// SignalR and /ws) and clients. Names follow the AutoBot protocol. Bump <see cref="ProtocolInfo.Version"/> when a
/// name or a payload changes incompatibly.
/// </summary>
public static class EventTypes
{
    // Events in a thread's ordered log (they have a seq).
    public const string ThreadCreated = "thread_created";
    public const string ThreadRenamed = "thread_renamed";
    public const string MemberAdded = "member_added";
    public const string UserMessage = "user_message";
    public const string BotStatus = "bot_status";
    public const string LlmResponse = "llm_response";
    public const string LlmToken = "llm_token";
    public const string LlmStatus = "llm_status";
    public const string GoalReceived = "goal_received";
    public const string PlanReady = "plan_ready";
    public const string Progress = "progress";
    public const string WorkflowStepStarted = "workflow_step_started";
    public const string WorkflowStepCompleted = "workflow_step_completed";
    public const string WorkflowApprovalRequired = "workflow_approval_required";
    public const string WorkflowApproval = "workflow_approval";
    public const string WorkflowCompleted = "workflow_completed";
    public const string WorkflowFailed = "workflow_failed";
    public const string WorkflowCancelled = "workflow_cancelled";
    public const string WorkflowCancel = "workflow_cancel";
    public const string GoalCompleted = "goal_completed";
    public const string CommandExecutionStart = "command_execution_start";
    public const string CommandExecutionEnd = "command_execution_end";
    public const string ToolCode = "tool_code";
    public const string ToolOutput = "tool_output";
    public const string RuleSqlGenerated = "rule_sql_generated";
    public const string RuleResult = "rule_result";

    // Live-only events (not in the log; they describe the present).
    public const string Typing = "typing";
    public const string Presence = "presence";

    // The plain WebSocket endpoint's own frames.
    public const string ConnectionEstablished = "connection_established";
    public const string Ping = "ping";
    public const string Pong = "pong";
    public const string HealthCheck = "health_check";
    public const string HealthResponse = "health_response";
    public const string JoinThread = "join_thread";
    public const string ThreadJoined = "thread_joined";
    public const string LeaveThread = "leave_thread";
    public const string ThreadLeft = "thread_left";
    public const string MessageAccepted = "message_accepted";
    public const string WorkflowApprovalAccepted = "workflow_approval_accepted";
    public const string WorkflowCancelAccepted = "workflow_cancel_accepted";
    public const string RunRule = "run_rule";
    public const string RuleAccepted = "rule_accepted";
    public const string Error = "error";
}

/// <summary>The protocol's version, sent to every client when it connects.</summary>
public static class ProtocolInfo
{
    public const int Version = 1;
}

/// <summary>The bot's state in a thread, as shown to people.</summary>
public static class BotStatuses
{
    public const string Idle = "idle";
    public const string Thinking = "thinking";
    public const string Executing = "executing";
    public const string WaitingApproval = "waiting_approval";
    public const string Error = "error";
    public const string Offline = "offline";
}

/// <summary>The codes of typed errors (hub and WebSocket); the message says the rest in words.</summary>
public static class ErrorCodes
{
    public const string Unauthorized = "unauthorized";
    public const string NotMember = "not_member";
    public const string NotFound = "not_found";
    public const string Conflict = "conflict";
    public const string Validation = "validation";
    public const string MessageTooLarge = "message_too_large";
    public const string RateLimited = "rate_limited";
    public const string TooManyConnections = "too_many_connections";
    public const string MalformedJson = "malformed_json";
    public const string UnknownType = "unknown_type";
    public const string FrameTooLarge = "frame_too_large";
    public const string Unavailable = "unavailable";
    public const string Internal = "internal";
}
