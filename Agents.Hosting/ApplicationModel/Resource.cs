namespace Agents.Hosting;

/// <summary>Base of every resource: a name and what the builder methods attach to it.</summary>
public abstract class Resource : IResource
{
    protected Resource(string name)
    {
        ResourceNameValidator.ThrowIfInvalid(name);
        Name = name;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>Resources that must be running and healthy before this one starts.</summary>
    public List<IResource> WaitsFor { get; } = [];

    /// <summary>Callbacks that fill the environment of this resource's processes, in order.</summary>
    internal List<Func<EnvironmentCallbackContext, ValueTask>> EnvironmentCallbacks { get; } = [];

    /// <summary>Resources this one references (for ordering of stop and display).</summary>
    public List<IResource> References { get; } = [];

    /// <summary>The HTTP endpoint of the resource, if it serves one.</summary>
    public EndpointAnnotation? HttpEndpoint { get; internal set; }

    /// <summary>The path polled for health over HTTP, if any.</summary>
    public string? HealthCheckPath { get; internal set; }

    /// <summary>How many processes run this resource.</summary>
    public int Replicas { get; internal set; } = 1;

    /// <summary>A short type name shown in logs and snapshots.</summary>
    public abstract string ResourceType { get; }
}

/// <summary>Passed to environment callbacks while a process's environment is built.</summary>
public sealed class EnvironmentCallbackContext(IDictionary<string, string> environmentVariables, int replicaIndex, CancellationToken cancellationToken)
{
    /// <summary>The variables the process will receive.</summary>
    public IDictionary<string, string> EnvironmentVariables { get; } = environmentVariables;

    /// <summary>Which replica of the resource is being started.</summary>
    public int ReplicaIndex { get; } = replicaIndex;

    /// <summary>Cancelled when the application stops.</summary>
    public CancellationToken CancellationToken { get; } = cancellationToken;
}

/// <summary>An HTTP endpoint: the requested port (if fixed) and the ports allocated to each replica.</summary>
public sealed class EndpointAnnotation
{
    /// <summary>The endpoint name; "http" is the one service discovery uses.</summary>
    public string Name { get; init; } = "http";

    /// <summary>A fixed port asked for by the model or a launch profile; null means any free port.</summary>
    public int? Port { get; set; }

    /// <summary>Reachable from outside the machine's loopback (binds localhost rather than 127.0.0.1).</summary>
    public bool IsExternal { get; set; }

    /// <summary>The port each replica got when the application started.</summary>
    internal int[] AllocatedPorts { get; set; } = [];

    /// <summary>The URL of each replica, once allocated.</summary>
    public IReadOnlyList<Uri> Urls => AllocatedPorts.Select(p => new Uri($"http://{(IsExternal ? "localhost" : "127.0.0.1")}:{p}")).ToArray();
}

internal static class ResourceNameValidator
{
    public static void ThrowIfInvalid(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        // Names become environment variable parts and URL host names (http://api), so keep them DNS-like.
        if (!System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z][a-z0-9-]*$"))
        {
            throw new ArgumentException($"Resource name '{name}' is invalid: use lowercase letters, digits and '-', starting with a letter.", nameof(name));
        }
    }
}
