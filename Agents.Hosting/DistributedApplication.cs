using Agents.Hosting.Orchestration;
using Agents.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Agents.Hosting;

/// <summary>The running app model: starts every resource, serves until stopped, then stops them all.</summary>
public sealed class DistributedApplication : IHost, IAsyncDisposable
{
    private readonly IHost _host;
    private bool _disposed;

    internal DistributedApplication(IHost host) => _host = host;

    /// <summary>Creates the app model builder; under the testing builder it is configured for tests.</summary>
    public static IDistributedApplicationBuilder CreateBuilder(string[] args)
    {
        if (AppHostModelCapture.Current is { } capture)
        {
            var testingBuilder = new DistributedApplicationBuilder(capture.Options(args));
            testingBuilder.InterceptBuild = capture.Capture;
            return testingBuilder;
        }
        // The AppHost's appsettings.json sits beside its assembly, wherever `dotnet run` was started from.
        return new DistributedApplicationBuilder(new DistributedApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
    }

    /// <inheritdoc />
    public IServiceProvider Services => _host.Services;

    /// <summary>The resource states, to watch or wait for.</summary>
    public ResourceNotificationService ResourceNotifications => Services.GetRequiredService<ResourceNotificationService>();

    /// <summary>Start, stop and restart of resource instances.</summary>
    public ResourceCommandService ResourceCommands => Services.GetRequiredService<ResourceCommandService>();

    /// <summary>The resources' console output.</summary>
    public ResourceLoggerService ResourceLogs => Services.GetRequiredService<ResourceLoggerService>();

    /// <summary>The model that was built.</summary>
    public ApplicationModel Model => Services.GetRequiredService<ApplicationModel>();

    /// <summary>This run's data folder (removed when the app stops).</summary>
    public string? RunDirectory => Services.GetRequiredService<Orchestrator>().RunDirectory;

    /// <summary>Starts every resource (dependents after their WaitFor dependencies are healthy) and returns.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) => _host.StartAsync(cancellationToken);

    /// <summary>Stops every resource, dependents first.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _host.StopAsync(cancellationToken);

    /// <summary>Runs until Ctrl+C or SIGTERM, then stops everything.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await _host.RunAsync(cancellationToken);
        }
        catch (DistributedApplicationException e)
        {
            // A missing prerequisite is a message for a person, not a stack trace.
            await Console.Error.WriteLineAsync(e.Message);
            Environment.ExitCode = 1;
        }
    }

    /// <summary>Runs until Ctrl+C or SIGTERM, then stops everything.</summary>
    public void Run() => RunAsync().GetAwaiter().GetResult();

    /// <summary>The base URL of a resource's HTTP endpoint (first replica unless said otherwise).</summary>
    public Uri GetEndpoint(string resourceName, int replica = 0)
    {
        var resource = Model.Find(resourceName) as Resource;
        if (resource?.HttpEndpoint is not { } endpoint || endpoint.Urls.Count == 0)
        {
            throw new DistributedApplicationException($"Resource '{resourceName}' has no allocated HTTP endpoint (is the app started?).");
        }
        return endpoint.Urls[replica];
    }

    /// <summary>An HttpClient whose base address is the resource's HTTP endpoint.</summary>
    public HttpClient CreateHttpClient(string resourceName, int replica = 0) => new() { BaseAddress = GetEndpoint(resourceName, replica) };

    /// <summary>The connection string a referencing project would receive.</summary>
    public async ValueTask<string?> GetConnectionStringAsync(string resourceName, CancellationToken cancellationToken = default) =>
        Model.Find(resourceName) is IResourceWithConnectionString resource
            ? await resource.GetConnectionStringAsync(cancellationToken)
            : throw new DistributedApplicationException($"Resource '{resourceName}' has no connection string.");

    /// <summary>Stops every resource and releases the host.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        await _host.StopAsync(CancellationToken.None);
        if (_host is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync();
        }
        else
        {
            _host.Dispose();
        }
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
