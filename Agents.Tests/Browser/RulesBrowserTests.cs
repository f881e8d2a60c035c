using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Agents.Tests.Browser;

/// <summary>Rules in the browser: "run" plus a rule in a thread shows its SQL and table; the Rules page previews, creates, sorts, exports and deletes.</summary>
[Collection(BrowserCollection.Name)]
public sealed class RulesBrowserTests(BrowserAppFixture fixture, ITestOutputHelper output) : BrowserTests(fixture, output)
{
    private const string RuleText = "Find all patterns where kind equals pattern";

    [Fact]
    public async Task ARuleRunInTheChatShowsItsSqlAndTable()
    {
        await using var alice = await SignInAsync("ruler");
        await WithScreenshotsOnFailureAsync(nameof(ARuleRunInTheChatShowsItsSqlAndTable), async () =>
        {
            await alice.CreateThreadAsync("Rules");
            await alice.SendAsync($"run {RuleText}");

            var card = alice.Page.GetByTestId("rule-card");
            await Expect(card.GetByTestId("rule-sql")).ToContainTextAsync("SELECT", new() { IgnoreCase = true, Timeout = 60_000 });
            var table = card.GetByTestId("result-table");
            await Expect(table).ToBeVisibleAsync(new() { Timeout = 60_000 });
            Assert.True(await table.Locator("tbody tr").CountAsync() > 0);
            await Expect(table.Locator("thead th").First).Not.ToBeEmptyAsync();
            await alice.ScreenshotAsync("08-rule-in-chat");

            await card.GetByRole(AriaRole.Link, new() { Name = "Open in Rules" }).ClickAsync();
            var details = alice.Page.GetByTestId("rule-details");
            await Expect(details.GetByTestId("result-table").Locator("tbody tr").First).ToBeVisibleAsync();
            await alice.ScreenshotAsync("09-rule-page");
        }, alice);
    }

    [Fact]
    public async Task ARuleIsPreviewedCreatedSortedExportedAndDeletedOnTheRulesPage()
    {
        await using var alice = await SignInAsync("ruler");
        await WithScreenshotsOnFailureAsync(nameof(ARuleIsPreviewedCreatedSortedExportedAndDeletedOnTheRulesPage), async () =>
        {
            var page = alice.Page;
            await page.GotoAsync("/#/rules");
            await page.GetByLabel("Rule", new() { Exact = true }).FillAsync(RuleText);
            var name = $"browser_{Guid.NewGuid():N}"[..20];
            await page.GetByLabel("Name (optional)").FillAsync(name);
            await page.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
            var preview = page.GetByTestId("rule-preview");
            await Expect(preview.GetByTestId("rule-sql")).ToContainTextAsync("SELECT", new() { IgnoreCase = true });
            await Expect(preview.GetByTestId("result-table").Locator("tbody tr").First).ToBeVisibleAsync();
            await alice.ScreenshotAsync("10-rule-preview");

            await page.GetByRole(AriaRole.Button, new() { Name = "Create rule" }).ClickAsync();
            var details = page.GetByTestId("rule-details");
            await Expect(details.Locator("h2")).ToHaveTextAsync(name);
            var table = details.GetByTestId("result-table");
            await Expect(table.Locator("tbody tr").First).ToBeVisibleAsync();

            var firstHeader = table.Locator("thead th").First;
            await firstHeader.GetByRole(AriaRole.Button).ClickAsync();
            await Expect(firstHeader).ToHaveAttributeAsync("aria-sort", "ascending");
            await firstHeader.GetByRole(AriaRole.Button).ClickAsync();
            await Expect(firstHeader).ToHaveAttributeAsync("aria-sort", "descending");

            var download = await page.RunAndWaitForDownloadAsync(() => details.GetByRole(AriaRole.Button, new() { Name = "Export CSV" }).ClickAsync());
            var csv = await File.ReadAllTextAsync((await download.PathAsync())!, TestContext.Current.CancellationToken);
            Assert.Contains(",", csv.Split('\n')[0], StringComparison.Ordinal);

            page.Dialog += (_, dialog) => dialog.AcceptAsync();
            await details.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Rules" })).Not.ToContainTextAsync(name);
        }, alice);
    }
}
