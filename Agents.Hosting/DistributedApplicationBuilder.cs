using Agents.Hosting.Orchestration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Agents.Hosting;

/// <summary>The app model builder over a generic host, as Aspire's.</summary>
public sealed class DistributedApplicationBuilder : IDistributedApplicationBuilder
{
    private readonly HostApplicationBuilder _hostBuilder;

    /// <summary>Set by the testing builder: hands the model over instead of building it.</summary>
    internal Action<DistributedApplicationBuilder>? InterceptBuild { get; set; }

    internal DistributedApplicationBuilder(DistributedApplicationOptions options)
    {
        Options = options;
        _hostBuilder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = options.Args,
            ContentRootPath = options.ContentRootPath,
            ApplicationName = options.ApplicationName,
            EnvironmentName = options.EnvironmentName,
        });
        _hostBuilder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        _hostBuilder.Services.AddSingleton(this);
        _hostBuilder.Services.AddSingleton(options);
        _hostBuilder.Services.AddSingleton<ResourceLoggerService>();
        _hostBuilder.Services.AddSingleton<ResourceNotificationService>();
        _hostBuilder.Services.AddSingleton<ApplicationModel>(_ => new ApplicationModel(Resources));
        _hostBuilder.Services.AddSingleton(sp => Dashboard.DashboardSettings.Resolve(sp.GetRequiredService<IConfiguration>(), options));
        _hostBuilder.Services.AddSingleton(sp => new Otlp.TelemetryStore(sp.GetRequiredService<Dashboard.DashboardSettings>().Limits));
        // Before the orchestrator: the receiver listens before any service starts exporting to it.
        _hostBuilder.Services.AddHostedService<Dashboard.DashboardHost>();
        _hostBuilder.Services.AddSingleton<Orchestrator>();
        _hostBuilder.Services.AddHostedService(sp => sp.GetRequiredService<Orchestrator>());
        _hostBuilder.Services.AddSingleton(sp => new ResourceCommandService(sp.GetRequiredService<Orchestrator>()));
    }

    /// <inheritdoc />
    public ConfigurationManager Configuration => _hostBuilder.Configuration;

    /// <inheritdoc />
    public IServiceCollection Services => _hostBuilder.Services;

    /// <inheritdoc />
    public IHostEnvironment Environment => _hostBuilder.Environment;

    /// <inheritdoc />
    public IList<IResource> Resources { get; } = [];

    /// <inheritdoc />
    public DistributedApplicationOptions Options { get; }

    /// <inheritdoc />
    public IResourceBuilder<T> AddResource<T>(T resource) where T : IResource
    {
        if (Resources.Any(r => string.Equals(r.Name, resource.Name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new DistributedApplicationException($"Cannot add resource '{resource.Name}': a resource with that name already exists.");
        }
        Resources.Add(resource);
        return new ResourceBuilder<T>(this, resource);
    }

    /// <inheritdoc />
    public DistributedApplication Build()
    {
        if (InterceptBuild is { } intercept)
        {
            intercept(this);
            // Unwinds the AppHost's Main on the testing builder's thread; the test builds the model itself.
            throw new Testing.AppHostModelCapturedException();
        }
        ApplicationModel.Validate(Resources);
        return new DistributedApplication(_hostBuilder.Build());
    }
}

/// <summary>A problem with the app model or with starting it.</summary>
public sealed class DistributedApplicationException(string message, Exception? inner = null) : Exception(message, inner);
