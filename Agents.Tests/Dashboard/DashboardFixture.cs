using Agents.Hosting.Dashboard;
using Agents.Hosting.Otlp;
using Agents.Tests.EndToEnd;
using Agents.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.Tests.Dashboard;

/// <summary>The AppHost's whole model with the dashboard and its OTLP receiver on (secured, as a person runs it).</summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    private TestOutputLoggerProvider? _logs;
    private OpenAiStub? _model;

    public DistributedApplication App { get; private set; } = null!;

    public DashboardSettings Settings => App.GetDashboardSettings();

    public TelemetryStore Telemetry => App.Services.GetRequiredService<TelemetryStore>();

    public Uri FrontDoor => App.GetEndpoint(ResourceNames.Web);

    public ITestOutputHelper? Output
    {
        set => _logs!.Output = value;
    }

    public async ValueTask InitializeAsync()
    {
        // The agent answers through the LLM engine (against a local OpenAI-compatible stub), so turns have model spans.
        _model = await OpenAiStub.StartAsync();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Agents_AppHost>(
                [$"--Llm:Endpoint={_model.Endpoint}", "--Llm:Model=stub-model"], TestContext.Current.CancellationToken)
            .WithTimeout(TestTimeouts.Startup);
        _logs = builder.AddTestOutputLogging();
        builder.EnableDashboard();
        App = await builder.BuildAsync(TestContext.Current.CancellationToken).WithTimeout();
        await App.StartAsync(TestContext.Current.CancellationToken).WithTimeout(TestTimeouts.Startup);
        await App.WaitForHealthyAsync(AppHostFixture.AllResources);
    }

    /// <summary>Polls the store (services export every second) until <paramref name="found"/> finds something.</summary>
    public async Task<T> WaitForTelemetryAsync<T>(Func<TelemetryStore, T?> found, string what, TimeSpan? timeout = null) where T : class
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout ?? TestTimeouts.Default);
        while (true)
        {
            var version = Telemetry.Version;
            if (found(Telemetry) is { } result)
            {
                return result;
            }
            try
            {
                await Telemetry.WaitForChangeAsync(version, deadline.Token);
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"No {what} reached the dashboard in time.");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (App is not null)
        {
            await App.DisposeAsync();
        }
        if (_model is not null)
        {
            await _model.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardFixture>
{
    public const string Name = "Dashboard";
}
