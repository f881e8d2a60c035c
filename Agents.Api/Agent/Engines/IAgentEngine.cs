using Agents.Api.Agent.Runtime;

namespace Agents.Api.Agent.Engines;

/// <summary>What the agent decided to do about a message: answer it, or carry out a plan.</summary>
public abstract record AgentDecision;

public sealed record ReplyDecision(string Text) : AgentDecision;

public sealed record PlanDecision(string Goal, IReadOnlyList<PlanStep> Steps) : AgentDecision;

/// <summary>The part of the agent that decides (reply text, plan); the runtime around it is the same for every engine.</summary>
public interface IAgentEngine
{
    /// <summary>The model name reported with replies.</summary>
    string Model { get; }

    Task<AgentDecision> DecideAsync(string text, string author, CancellationToken cancellationToken);
}
