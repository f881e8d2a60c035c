using System.Collections.Immutable;

namespace Agents.Hosting;

/// <summary>What is known of one resource instance at a moment (a replica is an instance).</summary>
public sealed record ResourceSnapshot
{
    /// <summary>The resource type (Project, PostgreSQL, Redis, ...).</summary>
    public required string ResourceType { get; init; }

    /// <summary>One of <see cref="KnownResourceStates"/>.</summary>
    public string State { get; init; } = KnownResourceStates.NotStarted;

    /// <summary>Null until the first check ran (or while not running).</summary>
    public ResourceHealth? Health { get; init; }

    /// <summary>Why the instance is unhealthy or failed, in words.</summary>
    public string? StateReason { get; init; }

    /// <summary>The process id while a process runs.</summary>
    public int? Pid { get; init; }

    /// <summary>The exit code once the process ended.</summary>
    public int? ExitCode { get; init; }

    /// <summary>When the process started and stopped.</summary>
    public DateTimeOffset? StartTimeStamp { get; init; }

    /// <summary>When the process ended.</summary>
    public DateTimeOffset? StopTimeStamp { get; init; }

    /// <summary>How many times the instance was restarted.</summary>
    public int Restarts { get; init; }

    /// <summary>The instance's URLs (HTTP endpoints).</summary>
    public ImmutableArray<string> Urls { get; init; } = [];

    /// <summary>More facts worth showing (data folder, command line...).</summary>
    public ImmutableDictionary<string, string> Properties { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>Running and healthy: what <c>WaitFor</c> waits for.</summary>
    public bool IsRunningAndHealthy => State == KnownResourceStates.Running && Health == ResourceHealth.Healthy;
}

/// <summary>A change of one resource instance.</summary>
public sealed record ResourceEvent(IResource Resource, string ResourceId, ResourceSnapshot Snapshot);
