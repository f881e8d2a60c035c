using System.Text.Json;

namespace Agents.Api.Agent.Runtime;

/// <summary>A plan and how far it got; stored in <c>runs.state</c> so any worker can resume it.</summary>
public sealed class PlanState
{
    public string Goal { get; set; } = "";

    public List<PlanStep> Steps { get; set; } = [];

    /// <summary>The number of the next step to run (1-based); past the last step means done.</summary>
    public int Current { get; set; } = 1;

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    public static PlanState? From(string json)
    {
        var state = JsonSerializer.Deserialize<PlanState>(json, Json);
        return state is { Steps.Count: > 0 } ? state : null;
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public PlanStep? CurrentStep => Current >= 1 && Current <= Steps.Count ? Steps[Current - 1] : null;
}

public sealed class PlanStep
{
    public int Number { get; set; }

    public string Action { get; set; } = "";

    public string Plugin { get; set; } = "";

    public string Function { get; set; } = "";

    public Dictionary<string, string> Arguments { get; set; } = [];

    public string Status { get; set; } = "pending";

    /// <summary>A person approved this step (with these arguments).</summary>
    public bool Approved { get; set; }

    public string? Result { get; set; }

    public string Tool => $"{Plugin}.{Function}";

    public PlanStepInfo ToInfo(AgentOptions options) =>
        new(Number, Action, Tool, Arguments, options.PolicyFor(Plugin, Function) == ApprovalMode.Ask);
}
