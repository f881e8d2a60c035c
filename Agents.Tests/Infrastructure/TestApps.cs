namespace Agents.Tests.Infrastructure;

/// <summary>Starts the AppHost's own model for one test (class), optionally changed first, and waits for the front door.</summary>
public static class TestApps
{
    public static async Task<DistributedApplication> StartAppHostAsync(ITestOutputHelper output, Action<IDistributedApplicationTestingBuilder>? change = null, params string[] args)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Agents_AppHost>(args, TestContext.Current.CancellationToken).WithTimeout(TestTimeouts.Startup);
        builder.AddTestOutputLogging(output);
        change?.Invoke(builder);
        var app = await builder.BuildAsync(TestContext.Current.CancellationToken);
        await app.StartAsync(TestContext.Current.CancellationToken).WithTimeout();
        await app.WaitForHealthyAsync(ResourceNames.Web);
        return app;
    }

    /// <summary>A builder for a project the AppHost declared, to change it before the app starts.</summary>
    public static IResourceBuilder<ProjectResource> Project(this IDistributedApplicationTestingBuilder builder, string name) =>
        builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(r => r.Name == name));
}
