using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Agents.Hosting;

/// <summary>Builds the app model: its resources, configuration and services.</summary>
public interface IDistributedApplicationBuilder
{
    /// <summary>The AppHost's configuration (appsettings, user secrets, environment, command line).</summary>
    ConfigurationManager Configuration { get; }

    /// <summary>The AppHost's services.</summary>
    IServiceCollection Services { get; }

    /// <summary>The AppHost's environment; its name is given to every project.</summary>
    IHostEnvironment Environment { get; }

    /// <summary>The resources added so far, in the order they were added.</summary>
    IList<IResource> Resources { get; }

    /// <summary>How this builder runs: as a person's AppHost, or under the testing builder.</summary>
    DistributedApplicationOptions Options { get; }

    /// <summary>Adds a resource to the model.</summary>
    IResourceBuilder<T> AddResource<T>(T resource) where T : IResource;

    /// <summary>Builds the application.</summary>
    DistributedApplication Build();
}

/// <summary>How the AppHost runs.</summary>
public sealed class DistributedApplicationOptions
{
    /// <summary>The command-line arguments.</summary>
    public string[] Args { get; init; } = [];

    /// <summary>Running under <see cref="Testing.DistributedApplicationTestingBuilder"/>.</summary>
    public bool IsTesting { get; init; }

    /// <summary>Every endpoint gets a free port, ignoring fixed ports and launch profiles (always true in tests).</summary>
    public bool RandomizePorts { get; init; }

    /// <summary>Write resource console output to the AppHost's console, prefixed by resource name.</summary>
    public bool ForwardResourceLogsToConsole { get; init; } = true;

    /// <summary>The AppHost's content root (where its appsettings.json is).</summary>
    public string? ContentRootPath { get; init; }

    /// <summary>The AppHost's application name (its assembly), for user secrets.</summary>
    public string? ApplicationName { get; init; }

    /// <summary>
    /// No dashboard and no OTLP receiver, whatever the configuration says (as Aspire's option; true under the testing
    /// builder unless a test turns it on with <c>EnableDashboard()</c>).
    /// </summary>
    public bool DisableDashboard { get; set; }

    /// <summary>The environment name, when forced (tests use Development).</summary>
    public string? EnvironmentName { get; init; }
}
