using System.Net.Http.Json;
using System.Text.Json;
using Agents.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Agents.Tests.Browser;

/// <summary>The browser app in a real Chromium against the whole app: people chatting, plans approved, reconnects.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ChatBrowserTests(BrowserAppFixture fixture, ITestOutputHelper output) : BrowserTests(fixture, output)
{
    [Fact]
    public async Task TwoPeopleInOneThreadSeeEachOthersMessagesTypingAndPresence()
    {
        await using var alice = await SignInAsync("alice");
        await using var bob = await SignInAsync("bob");
        await WithScreenshotsOnFailureAsync(nameof(TwoPeopleInOneThreadSeeEachOthersMessagesTypingAndPresence), async () =>
        {
            await alice.ScreenshotAsync("01-threads-empty");
            var thread = await alice.CreateThreadAsync("Lunch plans");
            await alice.Page.GetByText("Members (1)").ClickAsync();
            await alice.Page.GetByLabel("Invite by user name").FillAsync(bob.UserName);
            await alice.Page.GetByRole(AriaRole.Button, new() { Name = "Invite" }).ClickAsync();
            await Expect(alice.Page.GetByText($"{bob.UserName} was added.")).ToBeVisibleAsync();

            await alice.SendAsync("Anyone hungry?");
            await Expect(alice.Message("Anyone hungry?")).ToHaveCountAsync(1);

            // Bob finds the thread in his list (refreshed every few seconds) with what he has not read, and opens it.
            var bobsLink = bob.Page.GetByTestId("thread-link").Filter(new() { HasText = "Lunch plans" });
            await Expect(bobsLink.Locator(".badge")).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex("^[12] unread$"));
            await bobsLink.ClickAsync();
            Assert.EndsWith(thread.ToString(), bob.Page.Url, StringComparison.Ordinal);
            await Expect(bob.Message("Anyone hungry?")).ToHaveCountAsync(1);
            await Expect(bobsLink.Locator(".badge")).ToHaveCountAsync(0);

            await Expect(alice.Page.GetByTestId("online")).ToContainTextAsync(bob.UserName);
            await Expect(bob.Page.GetByTestId("online")).ToContainTextAsync(alice.UserName);

            await bob.Composer.PressSequentiallyAsync("Pizza at ", new() { Delay = 30 });
            await Expect(alice.Page.GetByTestId("typing")).ToContainTextAsync($"{bob.UserName} is typing");
            await alice.ScreenshotAsync("02-chat-typing");
            await bob.Composer.PressSequentiallyAsync("**noon**?");
            await bob.Composer.PressAsync("Enter");

            await Expect(alice.Message("Pizza at")).ToHaveCountAsync(1);
            await Expect(alice.Message("Pizza at").Locator(".markdown strong")).ToHaveTextAsync("noon");
            await Expect(alice.Page.GetByTestId("typing")).ToBeEmptyAsync();
            await Expect(bob.Message("Pizza at")).ToHaveCountAsync(1);

            // Markup in a message is shown as text on the other side, never run.
            await alice.SendAsync("Sure <img src=x onerror=\"window.__owned = 1\"> [see](javascript:window.__owned=2)");
            await Expect(bob.Message("Sure <img src=x")).ToHaveCountAsync(1);
            Assert.Equal(0, await bob.Page.Locator(".timeline img").CountAsync());
            Assert.Equal(0, await bob.Page.Locator(".timeline a[href^='javascript']").CountAsync());
            Assert.True(await bob.Page.EvaluateAsync<bool>("() => window.__owned === undefined"));

            // The agent answers in the thread, and both see its reply once.
            await alice.SendAsync("help");
            await Expect(alice.Page.GetByTestId("reply").Filter(new() { HasText = "system report" })).ToHaveCountAsync(1);
            await Expect(bob.Page.GetByTestId("reply").Filter(new() { HasText = "system report" })).ToHaveCountAsync(1);
            await Expect(alice.Page.GetByTestId("bot-status")).ToHaveAttributeAsync("data-status", "idle");
            await alice.ScreenshotAsync("03-chat");
            await bob.ScreenshotAsync("03-chat-other-user");

            // A rename shows on both sides.
            await alice.Page.GetByRole(AriaRole.Button, new() { Name = "Rename" }).ClickAsync();
            await alice.Page.GetByLabel("Thread title").FillAsync("Lunch at noon");
            await alice.Page.GetByLabel("Thread title").PressAsync("Enter");
            await Expect(bob.Page.Locator(".thread-header h2")).ToContainTextAsync("Lunch at noon");
            await Expect(bob.Page.GetByTestId("thread-link").Filter(new() { HasText = "Lunch at noon" })).ToHaveCountAsync(1);

            // Bob leaves the thread: Alice sees him go offline.
            await bob.Page.GotoAsync("about:blank");
            await Expect(alice.Page.GetByTestId("online")).Not.ToContainTextAsync(bob.UserName, new() { Timeout = 45_000 });
        }, alice, bob);
    }

    [Fact]
    public async Task AGoalsPlanIsApprovedInTheBrowserWithEditedArgumentsAndCompletes()
    {
        await using var alice = await SignInAsync("planner");
        await WithScreenshotsOnFailureAsync(nameof(AGoalsPlanIsApprovedInTheBrowserWithEditedArgumentsAndCompletes), async () =>
        {
            await alice.CreateThreadAsync("Ops");
            await alice.SendAsync("run echo original");

            var plan = alice.Page.GetByTestId("plan");
            await Expect(plan).ToHaveAttributeAsync("data-status", "waiting_approval");
            await Expect(plan.GetByTestId("plan-step")).ToHaveAttributeAsync("data-status", "waiting_approval");
            await Expect(alice.Page.GetByTestId("bot-status")).ToHaveAttributeAsync("data-status", "waiting_approval");
            await alice.ScreenshotAsync("04-plan-waiting-for-approval");

            await plan.GetByRole(AriaRole.Button, new() { Name = "Edit arguments" }).ClickAsync();
            await plan.GetByLabel("arguments", new() { Exact = true }).FillAsync("edited in the browser");
            await plan.GetByRole(AriaRole.Button, new() { Name = "Approve with these arguments" }).ClickAsync();

            await Expect(plan).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = 60_000 });
            await Expect(plan.GetByTestId("plan-step")).ToHaveAttributeAsync("data-status", "completed");
            await Expect(plan.GetByRole(AriaRole.Progressbar)).ToHaveAttributeAsync("aria-valuenow", "100");
            var output = plan.Locator("details.output");
            await Expect(output.Locator("pre")).Not.ToBeVisibleAsync(); // collapsed until asked for
            await output.Locator("summary").ClickAsync();
            await Expect(output.Locator("pre")).ToHaveTextAsync("edited in the browser\n");
            await Expect(plan.Locator("summary").First).ToContainTextAsync("exit 0");
            await Expect(plan.GetByRole(AriaRole.Button, new() { Name = "Cancel plan" })).ToHaveCountAsync(0);
            await alice.ScreenshotAsync("05-plan-completed");

            // A narrow window shows one column: the chat, with a way back to the list.
            await alice.Page.SetViewportSizeAsync(390, 800);
            await Expect(alice.Page.GetByRole(AriaRole.Navigation, new() { Name = "Threads" })).Not.ToBeVisibleAsync();
            await Expect(plan).ToBeVisibleAsync();
            await alice.ScreenshotAsync("11-narrow-chat");
            await alice.Page.GetByRole(AriaRole.Link, new() { Name = "Back to threads" }).ClickAsync();
            await Expect(alice.Page.GetByRole(AriaRole.Navigation, new() { Name = "Threads" })).ToBeVisibleAsync();
            await Expect(alice.Page.GetByRole(AriaRole.Main, new() { Name = "Chat" })).ToHaveCountAsync(0);
            await alice.ScreenshotAsync("12-narrow-threads");
        }, alice);
    }

    [Fact]
    public async Task TheAppsHubConnectionIsOneWebSocketWithoutNegotiate()
    {
        await using var user = await SignInAsync("wsonly");

        // Straight to a WebSocket: the upgrade Realtime takes before its HTTP server (no negotiated id, no fallback).
        var hub = Assert.Single(user.WebSockets, url => new Uri(url).AbsolutePath == "/hubs/agent");
        Assert.DoesNotContain("id=", new Uri(hub).Query, StringComparison.Ordinal);
        Assert.DoesNotContain(user.Requests, url => url.Contains("/hubs/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SigningInStartingAThreadAndSendingLeavesNoErrorInTheBrowser()
    {
        await using var user = await SignInAsync("clean");
        await WithScreenshotsOnFailureAsync(nameof(SigningInStartingAThreadAndSendingLeavesNoErrorInTheBrowser), async () =>
        {
            await user.CreateThreadAsync("Quiet console");
            await user.SendAsync("hello");
            await Expect(user.Message("hello")).Not.ToHaveAttributeAsync("data-pending", new System.Text.RegularExpressions.Regex("."));

            // No console error or warning, page error, failed request or 4xx/5xx answer (a missing favicon was one).
            Assert.Empty(user.RecentErrors);
        }, user);
    }

    [Fact]
    public async Task AfterRealtimeStopsTheAppReconnectsAndShowsWhatWasMissedOnceAndSendsWhatWasQueued()
    {
        await using var bob = await ApiClientAsync("bob");
        var thread = await bob.CreateThreadAsync("Outage");
        await using var alice = await SignInAsync("alice");
        await bob.InviteAsync(thread, alice.UserName);
        await WithScreenshotsOnFailureAsync(nameof(AfterRealtimeStopsTheAppReconnectsAndShowsWhatWasMissedOnceAndSendsWhatWasQueued), async () =>
        {
            await alice.OpenThreadAsync(thread);
            await alice.SendAsync("before the outage");
            await Expect(alice.Message("before the outage")).ToHaveCountAsync(1);
            await Expect(alice.Message("before the outage")).Not.ToHaveAttributeAsync("data-pending", new System.Text.RegularExpressions.Regex("."));

            var stop = await Fixture.App.ResourceCommands.ExecuteCommandAsync(ResourceNames.Realtime, KnownResourceCommands.StopCommand, TestContext.Current.CancellationToken).WithTimeout();
            Assert.True(stop.Success, stop.ErrorMessage);
            try
            {
                await alice.ExpectConnectionAsync("reconnecting");
                await Expect(alice.Page.GetByRole(AriaRole.Button, new() { Name = "Send when connected" })).ToBeVisibleAsync();
                await Expect(alice.Page.Locator("#composer-note")).ToContainTextAsync("kept and sent");

                // While Alice is cut off: Bob writes through the Api (the agent answers him too), and Alice writes.
                for (var i = 1; i <= 3; i++)
                {
                    using var posted = await bob.Http.PostAsJsonAsync($"/api/threads/{thread}/messages",
                        new { clientMessageId = $"missed-{i}", text = $"missed message {i}" }, TestContext.Current.CancellationToken).WithTimeout();
                    posted.EnsureSuccessStatusCode();
                }
                await alice.SendAsync("written during the outage");
                await Expect(alice.Message("written during the outage")).ToHaveAttributeAsync("data-pending", "queued");
                await alice.ScreenshotAsync("06-reconnecting");
            }
            finally
            {
                var start = await Fixture.App.ResourceCommands.ExecuteCommandAsync(ResourceNames.Realtime, KnownResourceCommands.StartCommand, TestContext.Current.CancellationToken).WithTimeout(TestTimeouts.Startup);
                Assert.True(start.Success, start.ErrorMessage);
            }

            await alice.ExpectConnectionAsync("connected");
            for (var i = 1; i <= 3; i++)
            {
                await Expect(alice.Message($"missed message {i}")).ToHaveCountAsync(1);
            }
            await Expect(alice.Message("written during the outage")).ToHaveCountAsync(1);
            await Expect(alice.Message("written during the outage")).Not.ToHaveAttributeAsync("data-pending", new System.Text.RegularExpressions.Regex("."));
            await Expect(alice.Page.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true })).ToBeVisibleAsync();

            // What the page shows is exactly the log: every user message once, in seq order, nothing doubled.
            var log = await EventsAsync(bob, thread);
            var logged = log.Where(e => e.Type == "user_message").Select(e => e.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(5, logged.Count);
            await Expect(alice.Page.Locator("[data-testid=message][data-seq]")).ToHaveCountAsync(5);
            var shown = await alice.Page.Locator("[data-testid=message][data-seq]").EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.seq)");
            Assert.Equal(logged, shown);
            Assert.Single(log, e => e.Type == "user_message" && e.Payload.GetProperty("text").GetString() == "written during the outage");
            await alice.ScreenshotAsync("07-reconnected");
        }, alice);
    }

    private static async Task<IReadOnlyList<Agents.Protocol.ThreadEvent>> EventsAsync(AgentsClient client, Guid thread)
    {
        var page = await client.Http.GetFromJsonAsync<Agents.Protocol.ThreadEventPage>($"/api/threads/{thread}/events?afterSeq=0&limit=1000",
            new JsonSerializerOptions(JsonSerializerDefaults.Web), TestContext.Current.CancellationToken).WithTimeout();
        return page!.Events;
    }
}
