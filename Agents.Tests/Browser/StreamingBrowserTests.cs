using Agents.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Agents.Tests.Browser;

/// <summary>
/// Replies from a model stream into the page as they are generated, and can be stopped: the app with the LLM engine
/// pointed at the OpenAI-compatible stub (its own app, as LlmAgentTests), in the system Chromium.
/// </summary>
public sealed class StreamingBrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private OpenAiStub _stub = null!;
    private DistributedApplication _app = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async ValueTask InitializeAsync()
    {
        BrowserAppFixture.PrepareArtifactsFolder();
        _stub = await OpenAiStub.StartAsync();
        _app = await TestApps.StartAppHostAsync(output, change: null, $"--Llm:Endpoint={_stub.Endpoint}", "--Llm:Model=stub-model");
        await _app.WaitForHealthyAsync(ResourceNames.Api, ResourceNames.Realtime);
        _playwright = await Playwright.CreateAsync();
        _browser = await BrowserAppFixture.LaunchChromiumAsync(_playwright);
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.CloseAsync();
        _playwright.Dispose();
        await _app.DisposeAsync();
        await _stub.DisposeAsync();
    }

    [Fact]
    public async Task AReplyGrowsAsTheModelWritesItAndCanBeStopped()
    {
        await using var alice = await BrowserUser.SignInAsync(_browser, _app.GetEndpoint(ResourceNames.Web), BrowserTests.NewUser("streamer"));
        await BrowserTests.WithScreenshotsOnFailureAsync(nameof(AReplyGrowsAsTheModelWritesItAndCanBeStopped), async () =>
        {
            await alice.CreateThreadAsync("Streaming");
            await alice.SendAsync("answer slowly please");

            // The stub writes "word0 word1 ... word49", one word every 100 ms: the page shows it growing.
            var reply = alice.Page.GetByTestId("reply").First;
            await Expect(reply).ToHaveAttributeAsync("data-streaming", "true");
            await Expect(reply).ToContainTextAsync("word3");
            await Expect(reply).Not.ToContainTextAsync("word49");
            await Expect(alice.Page.GetByTestId("bot-status")).ToHaveAttributeAsync("data-status", "thinking");
            await alice.ScreenshotAsync("13-reply-streaming");
            await Expect(reply).ToHaveAttributeAsync("data-streaming", "false", new() { Timeout = 30_000 });
            await Expect(reply).ToContainTextAsync("word49");

            // A second slow reply, stopped halfway: it keeps what was said and stops growing.
            await alice.SendAsync("once more, slowly");
            var second = alice.Page.GetByTestId("reply").Nth(1);
            await Expect(second).ToContainTextAsync("word2");
            await second.GetByRole(AriaRole.Button, new() { Name = "Stop" }).ClickAsync();
            await Expect(second).ToHaveAttributeAsync("data-streaming", "false");
            await Expect(alice.Page.GetByTestId("bot-status")).ToHaveAttributeAsync("data-status", "idle");
            var kept = await second.InnerTextAsync();
            Assert.DoesNotContain("word49", kept, StringComparison.Ordinal);
            await Task.Delay(1000, TestContext.Current.CancellationToken); // nothing may be added after the stop
            Assert.Equal(kept, await second.InnerTextAsync());
        }, alice);
    }
}
