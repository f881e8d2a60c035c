using System.Text.RegularExpressions;
using Agents.Api.Agent.Runtime;

namespace Agents.Api.Agent.Engines;

/// <summary>
/// Plan templates over the agent's plugins, with slots filled from the goal's words. A goal is either introduced with
/// "goal:" or simply matches a template ("check disk space", "run uname -a").
/// </summary>
public sealed partial class BuiltInPlanner
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
    ];

    public static bool IsExplicitGoal(string text) => GoalPrefix().IsMatch(text);

    public static string Describe() => string.Join(Environment.NewLine, Templates.Select(t => $"- {t.Example}"));

    public bool TryPlan(string text, out PlanDecision plan)
    {
        var goal = GoalPrefix().Replace(text.Trim(), "").Trim().TrimEnd('.', '!');
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
}
