using System.Text.RegularExpressions;
using Agents.Protocol;
using Agents.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Agents.Tests.Dashboard;

/// <summary>The dashboard's pages in a real browser (Playwright + system Chromium) against the running AppHost.</summary>
[Collection(DashboardCollection.Name)]
public sealed class DashboardPageTests : IAsyncLifetime
{
    private readonly DashboardFixture _fixture;
    private DashboardBrowser _browser = null!;

    public DashboardPageTests(DashboardFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        fixture.Output = output;
    }

    public async ValueTask InitializeAsync() => _browser = await DashboardBrowser.LaunchAsync();

    public async ValueTask DisposeAsync() => await _browser.DisposeAsync();

    [Fact]
    public async Task PagesNeedTheLoginTokenThenResourcesShowRunningAndHealthy()
    {
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(_fixture.Settings.FrontendUrl!.ToString());
        await Expect(page.GetByText("Open the login link the AppHost printed")).ToBeVisibleAsync();
        await page.GotoAsync(new Uri(_fixture.Settings.FrontendUrl!, "/login?t=wrong").ToString());
        await Expect(page.GetByText("Open the login link the AppHost printed")).ToBeVisibleAsync();

        await page.GotoAsync(_fixture.Settings.LoginUrl!.ToString());
        foreach (var resource in new[] { ResourceNames.Postgres, ResourceNames.Cache, ResourceNames.Api, ResourceNames.Realtime, ResourceNames.Web })
        {
            var row = page.Locator($"tr[data-resource='{resource}']");
            await Expect(row.Locator(".state")).ToHaveTextAsync("Running");
            await Expect(row.Locator(".health")).ToHaveTextAsync("Healthy");
        }
        var webUrl = _fixture.FrontDoor.ToString().TrimEnd('/');
        await Expect(page.Locator("tr[data-resource='web'] a[href^='http']")).ToHaveAttributeAsync("href", new Regex("^" + Regex.Escape(webUrl)));
        await DashboardBrowser.ScreenshotAsync(page, "resources");
    }

    [Fact]
    public async Task RestartFromTheResourcesPageShowsLiveAndItsConsoleLinesArriveLive()
    {
        var console = await LoggedInPageAsync($"#/console?resource={ResourceNames.Web}");
        var listening = console.Locator("#console div", new() { HasTextString = "Now listening on" });
        await Expect(listening).ToHaveCountAsync(1);

        var resources = await console.Context.NewPageAsync();
        await resources.GotoAsync(new Uri(_fixture.Settings.FrontendUrl!, "/#/resources").ToString());
        var web = resources.Locator($"tr[data-resource='{ResourceNames.Web}']");
        await Expect(web.Locator(".state")).ToHaveTextAsync("Running");
        await web.GetByRole(AriaRole.Button, new() { Name = "Restart" }).ClickAsync();

        // The restarted process's first lines reach the console page that stayed open, without a reload.
        await Expect(listening).ToHaveCountAsync(2);
        await Expect(web.Locator("td").Nth(6)).ToHaveTextAsync("1");
        await Expect(web.Locator(".health")).ToHaveTextAsync("Healthy");
        await console.Locator("#console-search").FillAsync("Now listening on");
        await Expect(console.Locator("#console div")).ToHaveCountAsync(2);
        await DashboardBrowser.ScreenshotAsync(console, "console");
        await DashboardBrowser.ScreenshotAsync(resources, "resources-after-restart");
        await _fixture.App.WaitForHealthyAsync(ResourceNames.Web);
    }

    [Fact]
    public async Task ATracesWaterfallShowsTheSpansOfAUserTurnAcrossServices()
    {
        var page = await LoggedInPageAsync("#/traces");
        await using var alice = await AgentsClient.SignInAsync(_fixture.FrontDoor, $"browser-{Guid.NewGuid():N}"[..20]);
        var thread = await alice.StartThreadAsync("Waterfall");
        await alice.SendAsync(thread, "hello");
        await alice.WaitUntilAsync(c => c.EventsOf(thread).Any(e => e.Type == EventTypes.LlmResponse), "the agent's reply");
        var trace = await _fixture.WaitForTelemetryAsync(store => store.GetTraces(ResourceNames.Realtime).FirstOrDefault(t =>
            store.GetTrace(t.TraceId) is var spans && spans.Any(s => s.Name == "agent run" && s.Attributes.Any(a => a.Value == thread.ToString()))
            && spans.Any(s => s.Name == "deliver llm_response")), "trace of the turn");

        // The list updates by itself as telemetry arrives; then the trace opens as a waterfall.
        var row = page.Locator($"tr[data-trace='{trace.TraceId}']");
        await Expect(row).ToContainTextAsync("SendMessage");
        await row.GetByRole(AriaRole.Link).ClickAsync();
        var waterfall = page.Locator("#waterfall");
        foreach (var name in new[] { "Agents.Realtime.Hub.AgentHub/SendMessage", "postgresql", "agent run", "deliver llm_response" })
        {
            await Expect(waterfall.Locator(".span-name", new() { HasTextString = name }).First).ToBeVisibleAsync();
        }
        foreach (var resource in new[] { ResourceNames.Realtime, ResourceNames.Api })
        {
            await Expect(waterfall.Locator(".resource-tag", new() { HasTextString = resource }).First).ToBeVisibleAsync();
        }
        await waterfall.Locator(".span-row", new() { HasTextString = "agent run" }).ClickAsync();
        await Expect(page.Locator("#span-details")).ToContainTextAsync("agents.run.id");
        await Expect(page.Locator("#span-details")).ToContainTextAsync(thread.ToString());
        await DashboardBrowser.ScreenshotAsync(page, "trace-waterfall");
    }

    [Fact]
    public async Task StructuredLogsFilterAndLinkToTracesAndMetricsChartAnInstrument()
    {
        var page = await LoggedInPageAsync("#/logs");
        await Expect(page.Locator("#logs tbody tr").First).ToBeVisibleAsync();
        await page.Locator("#logs-resource").SelectOptionAsync(ResourceNames.Api);
        // Once the filter applied, every row is an instance of api (the column shows instances: api, api-1...).
        await page.WaitForFunctionAsync("""
            () => {
              const cells = [...document.querySelectorAll('#logs tbody tr td:nth-child(2)')];
              return cells.length > 0 && cells.every(td => /^api(-[0-9]+)?$/.test(td.textContent));
            }
            """);
        await DashboardBrowser.ScreenshotAsync(page, "structured-logs");
        await page.Locator("#logs-text").FillAsync("no log line says this " + Guid.NewGuid());
        await Expect(page.Locator("#logs tbody tr")).ToHaveCountAsync(0);

        // A record written inside a traced operation links to its trace (a hand-made export: the services' own records
        // inside requests are below the exported level).
        var traceId = OtlpTestData.NewTraceId();
        var message = $"traced record {Guid.NewGuid():N}";
        await OtlpTestData.PostAsync(_fixture.Settings, "/v1/traces", OtlpTestData.Trace(ResourceNames.Api, "traced operation", traceId));
        await OtlpTestData.PostAsync(_fixture.Settings, "/v1/logs", OtlpTestData.Log(ResourceNames.Api, message, traceId));
        var traced = Assert.Single(_fixture.Telemetry.GetLogs(text: message));
        await page.Locator("#logs-resource").SelectOptionAsync(traced.Resource);
        await page.Locator("#logs-level").SelectOptionAsync("1");
        await page.Locator("#logs-text").FillAsync(traced.Message);
        await page.Locator($"#logs a[href='#/traces/{traced.TraceId}']").First.ClickAsync();
        await Expect(page.Locator("#waterfall .span-row").First).ToBeVisibleAsync();
        Assert.EndsWith($"#/traces/{traced.TraceId}", page.Url, StringComparison.Ordinal);

        await page.GotoAsync(new Uri(_fixture.Settings.FrontendUrl!, $"/#/metrics?resource={ResourceNames.Api}").ToString());
        await page.Locator(".instrument", new() { HasTextString = "http.server.request.duration" }).First.ClickAsync();
        await Expect(page.Locator("#chart h2")).ToHaveTextAsync("http.server.request.duration");
        await Expect(page.Locator("#chart svg polyline")).ToHaveCountAsync(1);
        await Expect(page.Locator("#chart svg")).ToContainTextAsync("latest:");
        await DashboardBrowser.ScreenshotAsync(page, "metrics");
    }

    private async Task<IPage> LoggedInPageAsync(string hash)
    {
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(_fixture.Settings.LoginUrl!.ToString());
        await page.GotoAsync(new Uri(_fixture.Settings.FrontendUrl!, "/" + hash).ToString());
        return page;
    }
}
