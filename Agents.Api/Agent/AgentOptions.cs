using System.ComponentModel.DataAnnotations;

namespace Agents.Api.Agent;

/// <summary>How a tool call is let through: at once, after a person approves it, or never.</summary>
public enum ApprovalMode
{
    Auto,
    Ask,
    Deny,
}

/// <summary>The agent's settings (section <c>Agent</c>).</summary>
public sealed class AgentOptions
{
    public const string SectionName = "Agent";

    /// <summary>Approval policy per plugin ("commands") or per function ("commands.run"); the function's entry wins.</summary>
    public Dictionary<string, ApprovalMode> Approvals { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["commands"] = ApprovalMode.Ask,
        ["threads"] = ApprovalMode.Auto,
        ["data"] = ApprovalMode.Auto,
        ["rules"] = ApprovalMode.Auto,
    };

    /// <summary>Runs this Api instance executes at once; 0 makes it take none.</summary>
    [Range(0, 64)]
    public int Workers { get; set; } = 4;

    /// <summary>How long an idle worker waits for a notice of a queued run before it looks at the queue anyway: the
    /// fallback for a notice lost while the listening connection was down.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan QueuePollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A running run whose holder sent no heartbeat for this long is taken back and resumed.</summary>
    [Range(typeof(TimeSpan), "00:00:02", "01:00:00")]
    public TimeSpan RunLeaseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many times a run is started before it is failed for good.</summary>
    [Range(1, 10)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>This instance's name as a run holder; stable across restarts of the same replica, so a restarted
    /// instance takes back its own runs at once. Default: the OpenTelemetry service instance id.</summary>
    public string? WorkerId { get; set; }

    public ApprovalMode PolicyFor(string plugin, string function) =>
        Approvals.TryGetValue($"{plugin}.{function}", out var exact) ? exact
        : Approvals.TryGetValue(plugin, out var byPlugin) ? byPlugin
        : ApprovalMode.Ask; // a tool nobody classified is treated as risky
}
