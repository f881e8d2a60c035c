using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Agents.Hosting.Testing;

/// <summary>A builder for tests: the AppHost's own model (or an empty one) with free ports and no dashboard.</summary>
public interface IDistributedApplicationTestingBuilder : IDistributedApplicationBuilder
{
    /// <summary>Builds the application.</summary>
    Task<DistributedApplication> BuildAsync(CancellationToken cancellationToken = default);
}

/// <summary>Starts an AppHost's model inside a test, as Aspire.Hosting.Testing does.</summary>
public static class DistributedApplicationTestingBuilder
{
    /// <summary>
    /// Runs the AppHost's Main (<typeparamref name="TEntryPoint"/> is its generated <c>Projects.*</c> type) in this
    /// process up to its <c>Build()</c> and returns the model it declared, set up for tests.
    /// </summary>
    public static Task<IDistributedApplicationTestingBuilder> CreateAsync<TEntryPoint>(CancellationToken cancellationToken = default)
        where TEntryPoint : IProjectMetadata, new() => CreateAsync<TEntryPoint>([], cancellationToken);

    /// <inheritdoc cref="CreateAsync{TEntryPoint}(CancellationToken)"/>
    public static async Task<IDistributedApplicationTestingBuilder> CreateAsync<TEntryPoint>(string[] args, CancellationToken cancellationToken = default)
        where TEntryPoint : IProjectMetadata, new()
    {
        var appHost = new TEntryPoint();
        var assemblyName = Path.GetFileNameWithoutExtension(appHost.TargetPath);
        var entryPoint = Assembly.Load(new AssemblyName(assemblyName)).EntryPoint
            ?? throw new DistributedApplicationException($"{assemblyName} has no entry point.");
        var contentRoot = Path.GetDirectoryName(appHost.ProjectPath)!;
        var capture = new AppHostModelCapture(appArgs => TestingOptions(appArgs, contentRoot, assemblyName));

        var main = Task.Run(() =>
        {
            AppHostModelCapture.Current = capture;
            try
            {
                entryPoint.Invoke(null, entryPoint.GetParameters().Length == 0 ? [] : [args]);
                capture.Fail(new DistributedApplicationException($"{assemblyName}'s Main returned without calling Build()."));
            }
            catch (TargetInvocationException e) when (e.InnerException is AppHostModelCapturedException)
            {
                // Main ended at Build(), as intended.
            }
            catch (TargetInvocationException e)
            {
                capture.Fail(e.InnerException ?? e);
            }
        }, cancellationToken);

        var builder = await capture.Captured.WaitAsync(cancellationToken);
        await main.WaitAsync(cancellationToken);
        return new TestingBuilder(builder);
    }

    /// <summary>An empty model set up for tests, to declare resources in the test itself.</summary>
    public static IDistributedApplicationTestingBuilder Create(params string[] args) =>
        new TestingBuilder(new DistributedApplicationBuilder(TestingOptions(args, contentRoot: null, applicationName: null)));

    private static DistributedApplicationOptions TestingOptions(string[] args, string? contentRoot, string? applicationName) => new()
    {
        Args = args,
        IsTesting = true,
        RandomizePorts = true,
        ForwardResourceLogsToConsole = false,
        DisableDashboard = true,
        ContentRootPath = contentRoot,
        ApplicationName = applicationName,
        EnvironmentName = Environments.Development,
    };

    private sealed class TestingBuilder(DistributedApplicationBuilder builder) : IDistributedApplicationTestingBuilder
    {
        public ConfigurationManager Configuration => builder.Configuration;

        public IServiceCollection Services => builder.Services;

        public IHostEnvironment Environment => builder.Environment;

        public IList<IResource> Resources => builder.Resources;

        public DistributedApplicationOptions Options => builder.Options;

        public IResourceBuilder<T> AddResource<T>(T resource) where T : IResource => builder.AddResource(resource);

        public DistributedApplication Build() => builder.Build();

        public Task<DistributedApplication> BuildAsync(CancellationToken cancellationToken = default) => Task.FromResult(builder.Build());
    }
}
