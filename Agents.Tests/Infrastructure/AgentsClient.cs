using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Agents.Protocol;
using Agents.Protocol.MessagePack;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.Tests.Infrastructure;

/// <summary>A signed-in user of the real app: REST through the front door, and a real SignalR connection.</summary>
public sealed class AgentsClient : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly ConcurrentQueue<ThreadEvent> _events = new();
    private readonly ConcurrentQueue<TypingEvent> _typing = new();
    private readonly ConcurrentQueue<PresenceEvent> _presence = new();
    private readonly ConcurrentQueue<ErrorEvent> _errors = new();
    private HubConnection? _hub;

    private AgentsClient(HttpClient http, string userName, string token)
    {
        _http = http;
        UserName = userName;
        Token = token;
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public string UserName { get; }

    public string Token { get; }

    public HubConnection Hub => _hub ?? throw new InvalidOperationException("Not connected.");

    public HttpClient Http => _http;

    public IReadOnlyList<ThreadEvent> Events => [.. _events];

    public IReadOnlyList<TypingEvent> TypingEvents => [.. _typing];

    public IReadOnlyList<PresenceEvent> PresenceEvents => [.. _presence];

    public IReadOnlyList<ErrorEvent> Errors => [.. _errors];

    /// <summary>Signs in through the front door with a development token.</summary>
    public static async Task<AgentsClient> SignInAsync(Uri frontDoor, string userName)
    {
        var http = new HttpClient { BaseAddress = frontDoor };
        using var response = await http.PostAsJsonAsync("/api/auth/token", new { userName }, TestContext.Current.CancellationToken).WithTimeout();
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<TokenBody>(TestContext.Current.CancellationToken))!.AccessToken;
        return new AgentsClient(http, userName, token);
    }

    /// <summary>Connects to the hub at <paramref name="baseAddress"/> (the front door, or one Realtime replica), in JSON or MessagePack.</summary>
    public async Task ConnectAsync(Uri? baseAddress = null, bool messagePack = false)
    {
        if (_hub is not null)
        {
            await _hub.DisposeAsync();
        }
        var builder = new HubConnectionBuilder();
        if (messagePack)
        {
            builder.AddMessagePackProtocol(options => options.SerializerOptions = ProtocolMessagePack.Options);
        }
        _hub = builder
            .WithUrl(new Uri(baseAddress ?? _http.BaseAddress!, "/hubs/agent"), options =>
            {
                options.AccessTokenProvider = () => Task.FromResult<string?>(Token);
                options.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
                options.SkipNegotiation = true;
            })
            .WithStatefulReconnect()
            .Build();
        _hub.On<ThreadEvent>(nameof(IAgentClient.ThreadEvent), e => _events.Enqueue(e));
        _hub.On<TypingEvent>(nameof(IAgentClient.Typing), e => _typing.Enqueue(e));
        _hub.On<PresenceEvent>(nameof(IAgentClient.Presence), e => _presence.Enqueue(e));
        _hub.On<ErrorEvent>(nameof(IAgentClient.Error), e => _errors.Enqueue(e));
        await _hub.StartAsync(TestContext.Current.CancellationToken).WithTimeout();
    }

    public async Task<Guid> CreateThreadAsync(string title)
    {
        using var response = await _http.PostAsJsonAsync("/api/threads", new { title }, TestContext.Current.CancellationToken).WithTimeout();
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<IdBody>(TestContext.Current.CancellationToken))!.Id;
    }

    /// <summary>Creates a thread, connects to the hub and joins it.</summary>
    public async Task<Guid> StartThreadAsync(string title, Uri? hub = null)
    {
        var thread = await CreateThreadAsync(title);
        await ConnectAsync(hub);
        await JoinAsync(thread);
        return thread;
    }

    public async Task InviteAsync(Guid threadId, string userName)
    {
        using var response = await _http.PostAsJsonAsync($"/api/threads/{threadId}/members", new { userName }, TestContext.Current.CancellationToken).WithTimeout();
        response.EnsureSuccessStatusCode();
    }

    public Task<JoinThreadResult> JoinAsync(Guid threadId, long afterSeq = 0) =>
        Hub.InvokeAsync<JoinThreadResult>("JoinThread", threadId, afterSeq, TestContext.Current.CancellationToken).WithTimeout();

    public Task<SendMessageResult> SendAsync(Guid threadId, string text, string? clientMessageId = null) =>
        Hub.InvokeAsync<SendMessageResult>("SendMessage", threadId, clientMessageId ?? Guid.NewGuid().ToString("N"), text, TestContext.Current.CancellationToken).WithTimeout();

    /// <summary>The events of a thread received so far, in arrival order.</summary>
    public IReadOnlyList<ThreadEvent> EventsOf(Guid threadId) => [.. _events.Where(e => e.ThreadId == threadId)];

    /// <summary>Waits until a condition on what was received holds.</summary>
    public async Task WaitUntilAsync(Func<AgentsClient, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TestTimeouts.Default);
        while (!condition(this))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{UserName} did not see: {what}. Events: {string.Join(", ", _events.Select(e => $"{e.Seq}:{e.Type}"))}");
            }
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Waits for the first event of a type (and condition) in a thread, and returns it.</summary>
    public async Task<ThreadEvent> WaitForEventAsync(Guid threadId, string type, Func<ThreadEvent, bool>? match = null, TimeSpan? timeout = null)
    {
        bool Matches(ThreadEvent e) => e.Type == type && (match?.Invoke(e) ?? true);
        await WaitUntilAsync(c => c.EventsOf(threadId).Any(Matches), $"{type} in {threadId}", timeout);
        return EventsOf(threadId).First(Matches);
    }

    /// <summary>Waits until the thread's events up to <paramref name="seq"/> have arrived.</summary>
    public Task WaitForSeqAsync(Guid threadId, long seq, TimeSpan? timeout = null) =>
        WaitUntilAsync(c => c.EventsOf(threadId).Any(e => e.Seq >= seq), $"seq {seq} of {threadId}", timeout);

    public async ValueTask DisposeAsync()
    {
        if (_hub is not null)
        {
            await _hub.DisposeAsync();
        }
        _http.Dispose();
    }

    private sealed record TokenBody(string AccessToken);

    private sealed record IdBody(Guid Id);
}
