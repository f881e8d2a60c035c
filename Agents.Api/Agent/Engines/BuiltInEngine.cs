namespace Agents.Api.Agent.Engines;

/// <summary>
/// The default engine: no model, deterministic and explainable. A message that matches a plan template becomes a plan;
/// anything else gets a reply that says what it can do.
/// </summary>
public sealed class BuiltInEngine(BuiltInPlanner planner) : IAgentEngine
{
    public string Model => BuiltInReplies.Model;

    public Task<AgentDecision> DecideAsync(AgentTurn turn, CancellationToken cancellationToken)
    {
        var (text, author) = (turn.Text, turn.Author);
        if (planner.TryPlan(text, out var plan))
        {
            return Task.FromResult<AgentDecision>(plan);
        }
        var asksForGoal = BuiltInPlanner.IsExplicitGoal(text);
        return Task.FromResult<AgentDecision>(new ReplyDecision(asksForGoal
            ? $"I can't plan that yet. Goals I can carry out:{Environment.NewLine}{BuiltInPlanner.Describe()}"
            : BuiltInReplies.ReplyTo(text, author)));
    }
}
