using Agents.Tests.Infrastructure;

namespace Agents.Tests.Browser;

/// <summary>Browser tests share one app and one Chromium; each saves a screenshot when it fails.</summary>
public abstract class BrowserTests
{
    protected BrowserTests(BrowserAppFixture fixture, ITestOutputHelper output)
    {
        Fixture = fixture;
        fixture.Output = output;
    }

    protected BrowserAppFixture Fixture { get; }

    internal static string NewUser(string name) => $"{name}-{Guid.NewGuid():N}"[..16];

    protected Task<BrowserUser> SignInAsync(string name, int width = 1200) => BrowserUser.SignInAsync(Fixture.Browser, Fixture.FrontDoor, NewUser(name), width);

    protected Task<AgentsClient> ApiClientAsync(string name) => AgentsClient.SignInAsync(Fixture.FrontDoor, NewUser(name));

    /// <summary>
    /// Runs a test's body; when it fails, each user's page is saved as failed-{test}-{user}.png, and the failure's message
    /// says what each page showed and was waiting for (CI keeps the message, not the screenshots).
    /// </summary>
    internal static async Task WithScreenshotsOnFailureAsync(string test, Func<Task> body, params BrowserUser[] users)
    {
        try
        {
            await body();
        }
        catch (Exception failure)
        {
            var pages = new List<string>();
            foreach (var user in users)
            {
                try
                {
                    await user.ScreenshotAsync($"failed-{test}-{user.UserName}");
                }
                catch (Microsoft.Playwright.PlaywrightException)
                {
                    // The page may be gone already; the original failure is what matters.
                }
                pages.Add(await user.DescribeAsync());
            }
            throw new Xunit.Sdk.XunitException($"{failure.GetType().Name}: {failure.Message}\nThe pages then:\n{string.Join('\n', pages)}", failure);
        }
    }
}
