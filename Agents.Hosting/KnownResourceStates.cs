namespace Agents.Hosting;

/// <summary>The states a resource goes through, as Aspire names them.</summary>
public static class KnownResourceStates
{
    public const string NotStarted = "NotStarted";
    public const string Waiting = "Waiting";
    public const string Starting = "Starting";
    public const string Running = "Running";
    public const string FailedToStart = "FailedToStart";
    public const string Exited = "Exited";
    public const string Finished = "Finished";
    public const string Stopping = "Stopping";

    /// <summary>States a resource does not leave by itself.</summary>
    public static IReadOnlyList<string> TerminalStates { get; } = [FailedToStart, Exited, Finished];

    /// <summary>True for FailedToStart, Exited and Finished.</summary>
    public static bool IsTerminal(string? state) => state is not null && TerminalStates.Contains(state);
}

/// <summary>Health of a resource instance, from its checks.</summary>
public enum ResourceHealth
{
    Unhealthy,
    Healthy,
}
