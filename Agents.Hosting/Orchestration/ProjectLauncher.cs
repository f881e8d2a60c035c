using System.Globalization;

namespace Agents.Hosting.Orchestration;

/// <summary>
/// Starts a project from its built assembly (not <c>dotnet run</c>: no build at start) with Aspire's environment
/// contract, in the project's folder as <c>dotnet run</c> would; healthy while its health path answers 2xx.
/// </summary>
internal sealed class ProjectLauncher(HttpClient healthClient) : IResourceLauncher
{
    public async Task<ProcessSpec?> PrepareAsync(ResourceInstance instance, LaunchContext context, CancellationToken cancellationToken)
    {
        var project = (ProjectResource)instance.Resource;
        var environment = LaunchContext.InheritedEnvironment();
        await BuildEnvironmentAsync(instance, context, environment, cancellationToken);
        var dotnet = Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";
        return new ProcessSpec(dotnet, [project.Metadata.TargetPath], Path.GetDirectoryName(project.Metadata.ProjectPath)!, environment);
    }

    internal static async Task BuildEnvironmentAsync(ResourceInstance instance, LaunchContext context, Dictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var resource = instance.Resource;
        if (instance.HttpPort is { } port)
        {
            var host = resource.HttpEndpoint!.IsExternal ? "localhost" : "127.0.0.1";
            environment["ASPNETCORE_URLS"] = $"http://{host}:{port.ToString(CultureInfo.InvariantCulture)}";
        }
        environment["ASPNETCORE_ENVIRONMENT"] = context.Environment.EnvironmentName;
        environment["DOTNET_ENVIRONMENT"] = context.Environment.EnvironmentName;
        environment["OTEL_SERVICE_NAME"] = resource.Name;
        environment["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={instance.Id}";
        environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        if (context.Dashboard.OtlpHttpUrl is { } otlp)
        {
            environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp.GetLeftPart(UriPartial.Authority);
            if (context.Dashboard.OtlpApiKey is { } apiKey)
            {
                environment["OTEL_EXPORTER_OTLP_HEADERS"] = $"{Dashboard.DashboardSettings.ApiKeyHeader}={apiKey}";
            }
            // Short export intervals, as Aspire sets them, so the dashboard is live.
            environment["OTEL_BLRP_SCHEDULE_DELAY"] = "1000";
            environment["OTEL_BSP_SCHEDULE_DELAY"] = "1000";
            environment["OTEL_METRIC_EXPORT_INTERVAL"] = "1000";
            environment["OTEL_METRICS_EXEMPLAR_FILTER"] = "trace_based";
        }
        var callbackContext = new EnvironmentCallbackContext(environment, instance.ReplicaIndex, cancellationToken);
        foreach (var callback in resource.EnvironmentCallbacks)
        {
            await callback(callbackContext);
        }
        // An environment name the model sets applies to both names (DOTNET_ would otherwise win in a web app).
        if (environment.TryGetValue("ASPNETCORE_ENVIRONMENT", out var chosen) && chosen != context.Environment.EnvironmentName
            && environment.GetValueOrDefault("DOTNET_ENVIRONMENT") == context.Environment.EnvironmentName)
        {
            environment["DOTNET_ENVIRONMENT"] = chosen;
        }
    }

    public Task<string?> CheckHealthAsync(ResourceInstance instance, CancellationToken cancellationToken) =>
        CheckHttpAsync(healthClient, instance, cancellationToken);

    internal static async Task<string?> CheckHttpAsync(HttpClient client, ResourceInstance instance, CancellationToken cancellationToken)
    {
        if (instance.Resource.HealthCheckPath is not { } path || instance.HttpPort is not { } port)
        {
            return null;
        }
        try
        {
            using var response = await client.GetAsync(new Uri($"http://127.0.0.1:{port}{path}"), cancellationToken);
            return response.IsSuccessStatusCode ? null : $"GET {path} answered {(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (HttpRequestException e)
        {
            return $"GET {path} failed: {e.Message}";
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"GET {path} timed out";
        }
    }
}

/// <summary>Starts any program with the same environment contract as a project.</summary>
internal sealed class ExecutableLauncher(HttpClient healthClient) : IResourceLauncher
{
    public async Task<ProcessSpec?> PrepareAsync(ResourceInstance instance, LaunchContext context, CancellationToken cancellationToken)
    {
        var executable = (ExecutableResource)instance.Resource;
        var environment = LaunchContext.InheritedEnvironment();
        await ProjectLauncher.BuildEnvironmentAsync(instance, context, environment, cancellationToken);
        return new ProcessSpec(executable.Command, executable.Args, executable.WorkingDirectory, environment);
    }

    public Task<string?> CheckHealthAsync(ResourceInstance instance, CancellationToken cancellationToken) =>
        ProjectLauncher.CheckHttpAsync(healthClient, instance, cancellationToken);
}

/// <summary>An existing server or a parameter: nothing to start; users of a server report whether they reach it.</summary>
internal sealed class NothingToStartLauncher : IResourceLauncher
{
    public Task<ProcessSpec?> PrepareAsync(ResourceInstance instance, LaunchContext context, CancellationToken cancellationToken) =>
        Task.FromResult<ProcessSpec?>(null);

    public Task<string?> CheckHealthAsync(ResourceInstance instance, CancellationToken cancellationToken) =>
        Task.FromResult<string?>(null);
}
