// Message round trip through the running app (front door -> Realtime -> Api -> Postgres -> Redis stream -> Realtime):
//   ack:         SendMessage called -> the committed seq is back at the sender
//   delivery:    SendMessage called -> the event with that seq reaches another member's connection
//   agent:       SendMessage called -> the agent's first event (bot_status thinking) and its reply (llm_response) arrive
// One message in flight at a time (latency, not throughput); the built-in agent answers every message, as in real use.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Agents.Protocol;
using Microsoft.AspNetCore.SignalR.Client;

var frontDoor = new Uri(args.ElementAtOrDefault(0) ?? "http://localhost:5080");
var count = int.Parse(args.ElementAtOrDefault(1) ?? "1000", System.Globalization.CultureInfo.InvariantCulture);
const int WarmUp = 50;

using var http = new HttpClient { BaseAddress = frontDoor };
var sender = await SignInAsync("bench-sender");
var receiver = await SignInAsync("bench-receiver");
http.DefaultRequestHeaders.Authorization = new("Bearer", sender);
var thread = (await (await http.PostAsJsonAsync("/api/threads", new { title = "round trip" })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
(await http.PostAsJsonAsync($"/api/threads/{thread}/members", new { userName = "bench-receiver" })).EnsureSuccessStatusCode();

var delivered = new ConcurrentDictionary<long, long>();
var agentEvents = new ConcurrentQueue<(long Seq, string Type, long At)>();
using var arrivals = new SemaphoreSlim(0);
await using var senderHub = Connect(sender);
await using var receiverHub = Connect(receiver);
receiverHub.On<ThreadEvent>(nameof(IAgentClient.ThreadEvent), e =>
{
    if (e.Type == EventTypes.UserMessage)
    {
        delivered.TryAdd(e.Seq, Stopwatch.GetTimestamp());
    }
    else
    {
        agentEvents.Enqueue((e.Seq, e.Type, Stopwatch.GetTimestamp()));
    }
    arrivals.Release();
});
await senderHub.StartAsync();
await receiverHub.StartAsync();
await senderHub.InvokeAsync<JoinThreadResult>("JoinThread", thread, 0L);
await receiverHub.InvokeAsync<JoinThreadResult>("JoinThread", thread, 0L);

var acks = new List<double>();
var deliveries = new List<double>();
var firstAgentEvents = new List<double>();
var replies = new List<double>();
for (var i = 0; i < count + WarmUp; i++)
{
    var started = Stopwatch.GetTimestamp();
    var result = await senderHub.InvokeAsync<SendMessageResult>("SendMessage", thread, $"m{i}", $"message {i}");
    var acked = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    long arrived;
    // One message in flight: the agent events after its seq are its answer.
    while (!delivered.TryGetValue(result.Seq, out arrived) || !agentEvents.Any(a => a.Seq > result.Seq && a.Type == EventTypes.LlmResponse))
    {
        // Sleeps until the next arrival rather than spinning: on 2 cores a spinning client would slow the server.
        if (!await arrivals.WaitAsync(TimeSpan.FromSeconds(10)))
        {
            throw new TimeoutException($"seq {result.Seq} or its reply never arrived");
        }
    }
    if (i >= WarmUp)
    {
        acks.Add(acked);
        deliveries.Add(Stopwatch.GetElapsedTime(started, arrived).TotalMilliseconds);
        var answer = agentEvents.Where(a => a.Seq > result.Seq).ToList();
        firstAgentEvents.Add(Stopwatch.GetElapsedTime(started, answer.MinBy(a => a.Seq).At).TotalMilliseconds);
        replies.Add(Stopwatch.GetElapsedTime(started, answer.First(a => a.Type == EventTypes.LlmResponse).At).TotalMilliseconds);
    }
    agentEvents.Clear();
}

Console.WriteLine($"messages: {count} (after {WarmUp} warm-up), one in flight, through {frontDoor}");
Report("send -> own seq ack", acks);
Report("send -> delivery to another member", deliveries);
Report("send -> agent's first event", firstAgentEvents);
Report("send -> agent's reply (built-in)", replies);
return;

async Task<string> SignInAsync(string userName)
{
    var response = await http.PostAsJsonAsync("/api/auth/token", new { userName });
    response.EnsureSuccessStatusCode();
    return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
}

HubConnection Connect(string token) => new HubConnectionBuilder()
    .WithUrl(new Uri(frontDoor, "/hubs/agent"), o =>
    {
        o.AccessTokenProvider = () => Task.FromResult<string?>(token);
        o.SkipNegotiation = true;
        o.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
    })
    .Build();

static void Report(string name, List<double> samples)
{
    samples.Sort();
    double At(double q) => samples[Math.Min(samples.Count - 1, (int)Math.Ceiling(q * samples.Count) - 1)];
    Console.WriteLine($"{name,-36} p50 {At(0.50),7:F2} ms   p99 {At(0.99),7:F2} ms   max {samples[^1],7:F2} ms");
}
