namespace Agents.Hosting.Orchestration;

/// <summary>One running copy of a resource: the resource itself, or one of its replicas.</summary>
internal sealed class ResourceInstance(Resource resource, int replicaIndex)
{
    public Resource Resource { get; } = resource;

    public int ReplicaIndex { get; } = replicaIndex;

    /// <summary>The resource name, or name-index for replicas, as shown in logs.</summary>
    public string Id { get; } = resource.Replicas > 1 ? $"{resource.Name}-{replicaIndex}" : resource.Name;

    public ManagedProcess? Process { get; set; }

    /// <summary>Cancelled when this instance stops (its health checks end with it); replaced when it starts again.</summary>
    public CancellationTokenSource Lifetime { get; set; } = new();

    public Task Run { get; set; } = Task.CompletedTask;

    public bool Stopping { get; set; }

    /// <summary>Held while a process is started or the instance is marked stopping, so a stop never misses a start.</summary>
    public Lock Gate { get; } = new();

    public int? HttpPort => Resource.HttpEndpoint is { AllocatedPorts.Length: > 0 } endpoint ? endpoint.AllocatedPorts[ReplicaIndex] : null;
}

/// <summary>What the orchestrator knows about a run that the launchers need.</summary>
internal sealed class LaunchContext(
    string runDirectory,
    Microsoft.Extensions.Configuration.IConfiguration configuration,
    Microsoft.Extensions.Hosting.IHostEnvironment environment,
    Action<ResourceInstance, string, bool> writeLine,
    Agents.Hosting.Dashboard.DashboardSettings dashboard)
{
    public string RunDirectory { get; } = runDirectory;

    /// <summary>Where services send telemetry (the dashboard's OTLP receiver), when it is on.</summary>
    public Agents.Hosting.Dashboard.DashboardSettings Dashboard { get; } = dashboard;

    public Microsoft.Extensions.Configuration.IConfiguration Configuration { get; } = configuration;

    public Microsoft.Extensions.Hosting.IHostEnvironment Environment { get; } = environment;

    /// <summary>Writes a line to the resource's log, as if the resource had written it.</summary>
    public void Log(ResourceInstance instance, string line, bool isError = false) => writeLine(instance, line, isError);

    /// <summary>The AppHost's own environment, less what the contract sets per resource.</summary>
    public static Dictionary<string, string> InheritedEnvironment()
    {
        var inherited = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            var name = (string)entry.Key;
            if (name.StartsWith("ConnectionStrings__", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("services__", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("OTEL_", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)
                || name is "DOTNET_ENVIRONMENT" or "DOTNET_LAUNCH_PROFILE")
            {
                continue;
            }
            inherited[name] = (string?)entry.Value ?? "";
        }
        return inherited;
    }
}

/// <summary>How one kind of resource is prepared, started and checked.</summary>
internal interface IResourceLauncher
{
    /// <summary>Gets ready (may run one-shot programs) and says what process to start, or null for none.</summary>
    Task<ProcessSpec?> PrepareAsync(ResourceInstance instance, LaunchContext context, CancellationToken cancellationToken);

    /// <summary>Null when healthy, else why not.</summary>
    Task<string?> CheckHealthAsync(ResourceInstance instance, CancellationToken cancellationToken);
}
