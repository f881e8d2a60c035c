using Agents.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Agents.Tests.Browser;

/// <summary>
/// The whole app (its own instance: a test stops Realtime) and the system Chromium driven by Playwright, shared by the
/// browser tests. Playwright never downloads a browser here: it runs /usr/bin/chromium (BROWSER_EXECUTABLE overrides).
/// </summary>
public sealed class BrowserAppFixture : IAsyncLifetime
{
    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];

    private static readonly Lock ArtifactsLock = new();
    private static bool _artifactsPrepared;
    private TestOutputLoggerProvider? _logs;
    private IPlaywright? _playwright;

    public DistributedApplication App { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public Uri FrontDoor => App.GetEndpoint(ResourceNames.Web);

    /// <summary>Where screenshots go: bin/.../BrowserArtifacts (git-ignored with the rest of the build output).</summary>
    public static string ArtifactsFolder { get; } = Path.Combine(AppContext.BaseDirectory, "BrowserArtifacts");

    public ITestOutputHelper? Output
    {
        set => _logs!.Output = value;
    }

    public async ValueTask InitializeAsync()
    {
        PrepareArtifactsFolder();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Agents_AppHost>(TestContext.Current.CancellationToken)
            .WithTimeout(TestTimeouts.Startup);
        _logs = builder.AddTestOutputLogging();
        App = await builder.BuildAsync(TestContext.Current.CancellationToken).WithTimeout();
        await App.StartAsync(TestContext.Current.CancellationToken).WithTimeout(TestTimeouts.Startup);
        await App.WaitForHealthyAsync(ResourceNames.Web, ResourceNames.Api, ResourceNames.Realtime);

        _playwright = await Playwright.CreateAsync();
        Browser = await LaunchChromiumAsync(_playwright);
    }

    /// <summary>The system Chromium, headless, with the flags this machine needs.</summary>
    public static async Task<IBrowser> LaunchChromiumAsync(IPlaywright playwright)
    {
        Assertions.SetDefaultExpectTimeout(20_000);
        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("BROWSER_EXECUTABLE") ?? "/usr/bin/chromium",
            Args = ChromiumArgs,
            Headless = true,
        }).WithTimeout();
    }

    /// <summary>Empties the screenshot folder once per test run (the first fixture to start does it).</summary>
    public static void PrepareArtifactsFolder()
    {
        lock (ArtifactsLock)
        {
            if (_artifactsPrepared)
            {
                return;
            }
            // Only this run's screenshots: a failure picture from an earlier run would mislead.
            if (Directory.Exists(ArtifactsFolder))
            {
                Directory.Delete(ArtifactsFolder, recursive: true);
            }
            Directory.CreateDirectory(ArtifactsFolder);
            _artifactsPrepared = true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        _playwright?.Dispose();
        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserAppFixture>
{
    public const string Name = "Browser";
}
