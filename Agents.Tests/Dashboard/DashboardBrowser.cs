using Microsoft.Playwright;

namespace Agents.Tests.Dashboard;

/// <summary>
/// A real Chromium (the system's /usr/bin/chromium, never a downloaded build) driven by Playwright, for the dashboard's
/// browser tests; screenshots go to artifacts/screenshots/dashboard (git-ignored).
/// </summary>
public sealed class DashboardBrowser : IAsyncDisposable
{
    private const string ChromiumPath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;

    private DashboardBrowser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    public static string ScreenshotFolder { get; } = FindScreenshotFolder();

    public static async Task<DashboardBrowser> LaunchAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: install it with apt-get install chromium (./test.sh does).");
        }
        var playwright = await Playwright.CreateAsync();
        return new DashboardBrowser(playwright, await Agents.Tests.Browser.BrowserAppFixture.LaunchChromiumAsync(playwright));
    }

    /// <summary>A fresh context (no cookies) with a page whose waits are bounded.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, $"{name}.png"), FullPage = true });

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }

    private static string FindScreenshotFolder()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Agents.sln")))
        {
            directory = directory.Parent;
        }
        var folder = Path.Combine(directory?.FullName ?? AppContext.BaseDirectory, "artifacts", "screenshots", "dashboard");
        Directory.CreateDirectory(folder);
        return folder;
    }
}
