using System.Text.RegularExpressions;
using Agents.Api.Agent.Runtime;
using Agents.Api.Agent.Tools;
using Microsoft.Extensions.Options;

namespace Agents.Api.Agent.Engines;

/// <summary>
/// Plan templates over the agent's plugins, with slots filled from the goal's words. A goal is either introduced with
/// "goal:" or simply matches a template ("check disk space", "run uname -a"). "run &lt;words&gt;" is a command when its
/// first word is an allowed program, otherwise a rule for the rules translator.
/// </summary>
public sealed partial class BuiltInPlanner(IOptions<CommandOptions> commands)
{
    private sealed record Template(string Example, Regex Pattern, Func<Match, List<PlanStep>> Steps);

    private static readonly Template[] Templates =
    [
        new("run <command> [arguments]", RunPattern(), m => [Command($"Run {m.Groups["command"].Value}", m.Groups["command"].Value, m.Groups["args"].Value.Trim())]),
        new("wait <n> seconds", WaitPattern(), m => [Command($"Wait {m.Groups["n"].Value} seconds", "sleep", m.Groups["n"].Value)]),
        new("check disk space", DiskPattern(), _ => [Command("Check disk space", "df", "-h")]),
        new("check memory", MemoryPattern(), _ => [Command("Check memory", "free", "-m")]),
        new("system report", SystemReportPattern(), _ =>
        [
            Command("Identify the system", "uname", "-a"),
            Command("Check uptime and load", "uptime", ""),
            Command("Check disk space", "df", "-h"),
            Command("Check memory", "free", "-m"),
        ]),
        new("summarise this thread", SummarisePattern(), _ => [new PlanStep { Action = "Summarise the thread", Plugin = "threads", Function = "summarize" }]),
        new("list rules", ListRulesPattern(), _ => [new PlanStep { Action = "List the rules", Plugin = "rules", Function = "list" }]),
        new("refresh rule <name>", RefreshRulePattern(), m => [new PlanStep
        {
            Action = $"Refresh rule {m.Groups["name"].Value}", Plugin = "rules", Function = "refresh", Arguments = new() { ["name"] = m.Groups["name"].Value },
        }]),
    ];

    private static readonly string[] RuleExamples = ["run <what a rule selects>, e.g. run find all patterns where kind equals pattern", "rule <name>: <what it selects>"];

    public static bool IsExplicitGoal(string text) => GoalPrefix().IsMatch(text);

    public static string Describe() => string.Join(Environment.NewLine, Templates.Select(t => t.Example).Concat(RuleExamples).Select(e => $"- {e}"));

    public bool TryPlan(string text, out PlanDecision plan)
    {
        var goal = GoalPrefix().Replace(text.Trim(), "").Trim().TrimEnd('.', '!');
        if (TryPlanRule(goal, out plan))
        {
            return true;
        }
        foreach (var template in Templates)
        {
            var match = template.Pattern.Match(goal);
            if (match.Success)
            {
                var steps = template.Steps(match);
                for (var i = 0; i < steps.Count; i++)
                {
                    steps[i].Number = i + 1;
                }
                plan = new PlanDecision(goal, steps);
                return true;
            }
        }
        plan = null!;
        return false;
    }

    /// <summary>A data question the grammar can answer: one read-only query step.</summary>
    public static PlanDecision DataQuestion(string question) => new(question,
    [
        new PlanStep { Number = 1, Action = "Query the data", Plugin = "data", Function = "query", Arguments = new() { ["question"] = question } },
    ]);

    private bool TryPlanRule(string goal, out PlanDecision plan)
    {
        var named = NamedRulePattern().Match(goal);
        var run = RuleRunPattern().Match(goal);
        string? text = null, name = null;
        if (named.Success)
        {
            (text, name) = (named.Groups["text"].Value.Trim(), named.Groups["name"].Value);
        }
        else if (run.Success && !commands.Value.AllowedCommands.Contains(run.Groups["first"].Value, StringComparer.Ordinal))
        {
            text = run.Groups["text"].Value.Trim();
        }
        if (text is null)
        {
            plan = null!;
            return false;
        }
        var arguments = new Dictionary<string, string> { ["text"] = text };
        if (name is not null)
        {
            arguments["name"] = name;
        }
        plan = new PlanDecision(goal, [new PlanStep { Number = 1, Action = $"Create rule: {text}", Plugin = "rules", Function = "create", Arguments = arguments }]);
        return true;
    }

    private static PlanStep Command(string action, string command, string arguments) => new()
    {
        Action = action,
        Plugin = "commands",
        Function = "run",
        Arguments = new() { ["command"] = command, ["arguments"] = arguments },
    };

    [GeneratedRegex(@"^\s*(/goal\b|goal\s*:)\s*", RegexOptions.IgnoreCase)]
    private static partial Regex GoalPrefix();

    [GeneratedRegex(@"^(?:run|execute)\s+(?<command>[A-Za-z0-9_.-]+)(?<args>(?:\s+.*)?)$", RegexOptions.IgnoreCase)]
    private static partial Regex RunPattern();

    [GeneratedRegex(@"^(?:wait|sleep)\s+(?:for\s+)?(?<n>\d{1,4})\s*(?:s|sec|secs|seconds?)?$", RegexOptions.IgnoreCase)]
    private static partial Regex WaitPattern();

    [GeneratedRegex(@"^(?:check|show)\s+(?:the\s+)?disk\s*(?:space|usage)?$", RegexOptions.IgnoreCase)]
    private static partial Regex DiskPattern();

    [GeneratedRegex(@"^(?:check|show)\s+(?:the\s+)?memory(?:\s+usage)?$", RegexOptions.IgnoreCase)]
    private static partial Regex MemoryPattern();

    [GeneratedRegex(@"^(?:(?:make\s+a\s+)?system\s+(?:report|check|status)|check\s+the\s+system)$", RegexOptions.IgnoreCase)]
    private static partial Regex SystemReportPattern();

    [GeneratedRegex(@"^summari[sz]e\s+(?:this|the)\s+(?:thread|conversation)$", RegexOptions.IgnoreCase)]
    private static partial Regex SummarisePattern();

    [GeneratedRegex(@"^(?:run|create\s+(?:a\s+)?rule|new\s+rule|rule)\s*:?\s+(?<text>(?<first>[A-Za-z0-9_.-]+).*)$", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex RuleRunPattern();

    [GeneratedRegex(@"^rule\s+(?<name>[a-z][a-z0-9_]{0,54})\s*:\s*(?<text>.+)$", RegexOptions.Singleline)]
    private static partial Regex NamedRulePattern();

    [GeneratedRegex(@"^(?:list|show)\s+(?:the\s+|all\s+|my\s+)?rules$|^what\s+rules\s+(?:are\s+there|exist)\??$", RegexOptions.IgnoreCase)]
    private static partial Regex ListRulesPattern();

    [GeneratedRegex(@"^refresh\s+(?:the\s+)?rule\s+(?<name>[a-z][a-z0-9_]{0,54})$", RegexOptions.IgnoreCase)]
    private static partial Regex RefreshRulePattern();
}
