using System.Text.RegularExpressions;
using Agents.Api.Rules.Schema;
using Agents.Api.Rules.Translation;

namespace Agents.Api.Agent.Engines;

/// <summary>
/// The default engine: no model, deterministic and explainable. A message that matches a plan template becomes a plan;
/// a question the rules grammar can answer becomes a read-only data query; anything else gets a reply that says what
/// it can do.
/// </summary>
public sealed partial class BuiltInEngine(BuiltInPlanner planner, BuiltInTranslator translator, SchemaCatalog catalog) : IAgentEngine
{
    public string Model => BuiltInReplies.Model;

    public async Task<AgentDecision> DecideAsync(AgentTurn turn, CancellationToken cancellationToken)
    {
        var (text, author) = (turn.Text, turn.Author);
        if (planner.TryPlan(text, out var plan))
        {
            return plan;
        }
        if (QuestionStart().IsMatch(text.Trim()))
        {
            try
            {
                translator.Translate(text, await catalog.GetAsync(cancellationToken));
                return BuiltInPlanner.DataQuestion(text.Trim());
            }
            catch (TranslationDeclinedException e) when (DataQuestionStart().IsMatch(text.Trim()))
            {
                return new ReplyDecision($"I could not answer that from the data: {e.Explanation}");
            }
            catch (TranslationDeclinedException)
            {
                // Not about the data after all ("what can you do?"): an ordinary reply.
            }
            catch (NpgsqlException)
            {
                // The rules database is not reachable: an ordinary reply.
            }
        }
        var asksForGoal = BuiltInPlanner.IsExplicitGoal(text);
        return new ReplyDecision(asksForGoal
            ? $"I can't plan that yet. Goals I can carry out:{Environment.NewLine}{BuiltInPlanner.Describe()}"
            : BuiltInReplies.ReplyTo(text, author));
    }

    [GeneratedRegex(@"^(?:how\s+many|count|number\s+of|show|list|find|get|which|what|give\s+me|display|average|total|sum|top|maximum|minimum|highest|lowest)\b", RegexOptions.IgnoreCase)]
    private static partial Regex QuestionStart();

    // Questions that can only be about data: declining them explains why rather than chatting.
    [GeneratedRegex(@"^(?:how\s+many|count|number\s+of|average|total|sum|top)\b", RegexOptions.IgnoreCase)]
    private static partial Regex DataQuestionStart();
}
