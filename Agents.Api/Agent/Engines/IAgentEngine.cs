using Agents.Api.Agent.Runtime;

namespace Agents.Api.Agent.Engines;

/// <summary>What the agent decided to do about a message: answer it, or carry out a plan.</summary>
public abstract record AgentDecision;

/// <summary>An answer; <see cref="Streamed"/> when its text already went out as llm_token events.</summary>
public sealed record ReplyDecision(string Text, bool Streamed = false) : AgentDecision;

public sealed record PlanDecision(string Goal, IReadOnlyList<PlanStep> Steps) : AgentDecision;

/// <summary>One message to decide about, and how the engine reports what it does meanwhile.</summary>
public sealed record AgentTurn(Guid RunId, Guid ThreadId, string Text, string Author, Func<string, object, Task> EmitAsync);

/// <summary>The model did not answer (unreachable, an error, or too slow).</summary>
public sealed class ModelUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The part of the agent that decides (reply text, plan); the runtime around it is the same for every engine.</summary>
public interface IAgentEngine
{
    /// <summary>The model name reported with replies.</summary>
    string Model { get; }

    Task<AgentDecision> DecideAsync(AgentTurn turn, CancellationToken cancellationToken);
}
