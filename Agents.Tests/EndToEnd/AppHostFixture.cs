using Agents.Tests.Infrastructure;

namespace Agents.Tests.EndToEnd;

/// <summary>The whole AppHost model, started once for every test of the collection, as a person would run it.</summary>
public sealed class AppHostFixture : IAsyncLifetime
{
    private TestOutputLoggerProvider? _logs;

    public static readonly string[] AllResources =
        [ResourceNames.Postgres, ResourceNames.Database, ResourceNames.Cache, ResourceNames.Api, ResourceNames.Realtime, ResourceNames.Web];

    public DistributedApplication App { get; private set; } = null!;

    /// <summary>Where the AppHost's logs go: set by each test class to its own output.</summary>
    public ITestOutputHelper? Output
    {
        set => _logs!.Output = value;
    }

    public async ValueTask InitializeAsync()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Agents_AppHost>(TestContext.Current.CancellationToken)
            .WithTimeout(TestTimeouts.Startup);
        _logs = builder.AddTestOutputLogging();
        App = await builder.BuildAsync(TestContext.Current.CancellationToken).WithTimeout();
        await App.StartAsync(TestContext.Current.CancellationToken).WithTimeout(TestTimeouts.Startup);
        await App.WaitForHealthyAsync(AllResources);
    }

    public async ValueTask DisposeAsync()
    {
        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AppHostCollection : ICollectionFixture<AppHostFixture>
{
    public const string Name = "AppHost";
}
