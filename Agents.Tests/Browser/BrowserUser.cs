using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Agents.Tests.Browser;

/// <summary>One person in their own browser context (own storage, own connection), signed in through the sign-in screen.</summary>
public sealed class BrowserUser : IAsyncDisposable
{
    private BrowserUser(IBrowserContext context, IPage page, string userName)
    {
        Context = context;
        Page = page;
        UserName = userName;
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    private const int RecentErrorsKept = 30;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _requests = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _webSockets = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _recentErrors = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<IRequest, DateTime> _requestsInFlight = new();

    /// <summary>Every HTTP request the page made (WebSocket upgrades are in <see cref="WebSockets"/>).</summary>
    public IReadOnlyCollection<string> Requests => _requests;

    /// <summary>The page's latest errors, newest last: console errors and warnings, page errors, HTTP 4xx/5xx, failed requests.</summary>
    public IReadOnlyCollection<string> RecentErrors => _recentErrors;

    /// <summary>The address of every WebSocket the page opened.</summary>
    public IReadOnlyCollection<string> WebSockets => _webSockets;

    public string UserName { get; }

    public ILocator Connection => Page.GetByTestId("connection-status");

    public ILocator Messages => Page.GetByTestId("message");

    public ILocator Composer => Page.GetByLabel("Message", new() { Exact = true });

    public static async Task<BrowserUser> SignInAsync(IBrowser browser, Uri frontDoor, string userName, int width = 1200, int height = 860)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = frontDoor.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            AcceptDownloads = true,
        });
        var page = await context.NewPageAsync();
        var user = new BrowserUser(context, page, userName);
        user.Watch(page);
        await page.GotoAsync("/");
        await page.GetByLabel("User name").FillAsync(userName);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await user.ExpectConnectionAsync("connected");
        return user;
    }

    public Task ExpectConnectionAsync(string status) => Expect(Connection).ToHaveAttributeAsync("data-status", status);

    /// <summary>Creates a thread from the thread list and returns its id (from the address the app navigates to).</summary>
    public async Task<Guid> CreateThreadAsync(string title)
    {
        await Page.GetByLabel("New thread").FillAsync(title);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create" }).ClickAsync();
        // Polled, not WaitForURLAsync: that checks the address, then subscribes to navigations, and loses a hash change
        // that lands between the two (microsoft/playwright-dotnet#3364; it failed CI with the page already there).
        await Expect(Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#/threads/"));
        await Expect(Page.Locator(".thread-header h2")).ToContainTextAsync(title);
        return Guid.Parse(Page.Url[(Page.Url.LastIndexOf('/') + 1)..]);
    }

    public async Task OpenThreadAsync(Guid threadId)
    {
        await Page.GotoAsync($"/#/threads/{threadId}");
        await Expect(Page.Locator(".thread-header h2")).Not.ToHaveTextAsync("Thread");
    }

    public async Task SendAsync(string text)
    {
        await Composer.FillAsync(text);
        await Composer.PressAsync("Enter");
    }

    /// <summary>The message elements whose text contains <paramref name="text"/>.</summary>
    public ILocator Message(string text) => Messages.Filter(new() { HasText = text });

    /// <summary>
    /// What this person's page shows and was doing, for a failed test's message: the address, the connection status,
    /// any alert, the requests still waiting for an answer, and the last errors (console, page, HTTP 4xx/5xx, failed requests).
    /// </summary>
    public async Task<string> DescribeAsync()
    {
        var lines = new List<string> { $"{UserName}: {Page.Url}" };
        try
        {
            lines.Add($"  connection: {await Connection.GetAttributeAsync("data-status", new() { Timeout = 2_000 })}");
            lines.AddRange((await Page.GetByRole(AriaRole.Alert).AllInnerTextsAsync()).Select(alert => $"  alert: {alert}"));
        }
        catch (PlaywrightException e)
        {
            lines.Add($"  page not readable: {e.Message.Split('\n')[0]}");
        }
        var now = DateTime.UtcNow;
        lines.AddRange(_requestsInFlight.Select(r => $"  waiting {(now - r.Value).TotalSeconds:F1} s for {r.Key.Method} {r.Key.Url}"));
        lines.AddRange(_recentErrors.Select(e => $"  {e}"));
        return string.Join('\n', lines);
    }

    /// <summary>Records the page's requests and WebSockets for the tests, and what a failure's message would need.</summary>
    private void Watch(IPage page)
    {
        page.Request += (_, request) =>
        {
            _requests.Enqueue(request.Url);
            _requestsInFlight[request] = DateTime.UtcNow;
        };
        page.WebSocket += (_, webSocket) => _webSockets.Enqueue(webSocket.Url);
        page.RequestFinished += (_, request) => _requestsInFlight.TryRemove(request, out DateTime _);
        page.RequestFailed += (_, request) =>
        {
            _requestsInFlight.TryRemove(request, out DateTime _);
            RecordError($"request failed: {request.Method} {request.Url}: {request.Failure}");
        };
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                RecordError($"HTTP {response.Status}: {response.Request.Method} {response.Url}");
            }
        };
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                RecordError($"console {message.Type}: {message.Text}");
            }
        };
        page.PageError += (_, error) => RecordError($"page error: {error}");
    }

    private void RecordError(string text)
    {
        _recentErrors.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {text}");
        while (_recentErrors.Count > RecentErrorsKept && _recentErrors.TryDequeue(out _))
        {
        }
    }

    public async Task ScreenshotAsync(string name) =>
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserAppFixture.ArtifactsFolder, $"{name}.png"), FullPage = true });

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}
