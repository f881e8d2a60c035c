// The agent turn under load, over the real app (front door -> Realtime -> Api -> Postgres -> run worker -> Redis stream
// -> Realtime): U users, each in a thread of their own, send messages at a fixed rate; the built-in engine answers each.
//   send -> ack:    the intended send time -> SendMessage's answer (the message is committed)
//   send -> reply:  the intended send time -> the agent's llm_response for that message reaches the user
// Times run from when a message was meant to go out, so a client that falls behind cannot hide latency. The rate per
// user steps up; a step is held when the reply p99 is under the limit and every message was answered.
//   AgentTurn <front door> <users> <rates per user, comma list> <step seconds> <results file>
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Agents.Protocol;
using Microsoft.AspNetCore.SignalR.Client;

var frontDoor = new Uri(args.ElementAtOrDefault(0) ?? "http://localhost:5080");
var userCount = int.Parse(args.ElementAtOrDefault(1) ?? "100", CultureInfo.InvariantCulture);
var rates = (args.ElementAtOrDefault(2) ?? "0.2,0.5,1,2,4").Split(',').Select(r => double.Parse(r, CultureInfo.InvariantCulture)).ToArray();
var stepSeconds = int.Parse(args.ElementAtOrDefault(3) ?? "10", CultureInfo.InvariantCulture);
var resultsFile = args.ElementAtOrDefault(4);
const double LimitMs = 250;

using var http = new HttpClient { BaseAddress = frontDoor };
var run = Guid.NewGuid().ToString("N")[..6];
var users = await Task.WhenAll(Enumerable.Range(0, userCount).Select(i => User.StartAsync(http, frontDoor, $"turn-{run}-{i}")));
Console.WriteLine($"{userCount} users connected, each in a thread of their own, through {frontDoor}");

// Warm-up (not reported): one message each.
await RunStepAsync(users, 0.5, 2);
var steps = new JsonArray();
double? held = null;
foreach (var rate in rates)
{
    var (acks, replies, missing) = await RunStepAsync(users, rate, stepSeconds);
    var step = new JsonObject
    {
        ["messages_per_second_per_user"] = rate,
        ["messages_per_second"] = rate * userCount,
        ["messages"] = acks.Count + missing,
        ["ack_p50_ms"] = Percentile(acks, 0.50), ["ack_p99_ms"] = Percentile(acks, 0.99),
        ["reply_p50_ms"] = Percentile(replies, 0.50), ["reply_p99_ms"] = Percentile(replies, 0.99),
        ["unanswered"] = missing,
        ["load_average"] = File.ReadAllText("/proc/loadavg")[..14].Trim(),
    };
    steps.Add(step);
    Console.WriteLine($"{rate * userCount,6:F0} msg/s ({rate} per user): ack p50 {step["ack_p50_ms"],7} p99 {step["ack_p99_ms"],7} ms   reply p50 {step["reply_p50_ms"],7} p99 {step["reply_p99_ms"],7} ms   unanswered {missing}");
    if (Percentile(replies, 0.99) >= LimitMs || missing > 0)
    {
        break;
    }
    held = rate * userCount;
}
Console.WriteLine($"highest rate held with reply p99 under {LimitMs} ms: {(held is null ? "none" : $"{held} messages/s")}");
if (resultsFile is not null)
{
    var results = new JsonObject
    {
        ["machine"] = new JsonObject { ["cores"] = Environment.ProcessorCount, ["note"] = "2-core machine shared with other engineers' builds and tests" },
        ["params"] = new JsonObject { ["users"] = userCount, ["step_seconds"] = stepSeconds, ["limit_p99_ms"] = LimitMs, ["engine"] = "built-in" },
        ["held_messages_per_second"] = held,
        ["steps"] = steps,
    };
    await File.WriteAllTextAsync(resultsFile, results.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
}
await Task.WhenAll(users.Select(u => u.DisposeAsync().AsTask()));
return;

async Task<(List<double> Acks, List<double> Replies, int Missing)> RunStepAsync(User[] all, double ratePerUser, int seconds)
{
    var perUser = Math.Max(1, (int)Math.Round(ratePerUser * seconds));
    var interval = TimeSpan.FromSeconds(1 / ratePerUser);
    var started = Stopwatch.GetTimestamp();
    // Users start spread over one interval, so the load is even rather than in bursts.
    await Task.WhenAll(all.Select((user, i) => user.SendAsync(started, interval * i / all.Length, interval, perUser)));
    var deadline = Stopwatch.GetTimestamp() + 15 * Stopwatch.Frequency;
    while (all.Any(u => u.Pending > 0) && Stopwatch.GetTimestamp() < deadline)
    {
        await Task.Delay(50);
    }
    var acks = all.SelectMany(u => u.TakeAcks()).ToList();
    var replies = all.SelectMany(u => u.TakeReplies()).ToList();
    return (acks, replies, all.Sum(u => u.Reset()));
}

static double Percentile(List<double> samples, double q)
{
    if (samples.Count == 0)
    {
        return double.NaN;
    }
    var sorted = samples.Order().ToArray();
    return Math.Round(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)], 2);
}

/// <summary>One user with their own thread; replies are matched to messages in order (a thread's runs are answered in turn).</summary>
internal sealed class User : IAsyncDisposable
{
    private readonly ConcurrentQueue<long> _awaitingReply = new();
    private readonly ConcurrentBag<double> _acks = [];
    private readonly ConcurrentBag<double> _replies = [];
    private HubConnection _hub = null!;
    private Guid _thread;

    public int Pending => _awaitingReply.Count;

    public static async Task<User> StartAsync(HttpClient http, Uri frontDoor, string name)
    {
        using var signIn = await http.PostAsJsonAsync("/api/auth/token", new { userName = name });
        signIn.EnsureSuccessStatusCode();
        var token = (await signIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/threads") { Content = JsonContent.Create(new { title = "turn bench" }) };
        create.Headers.Authorization = new("Bearer", token);
        using var created = await http.SendAsync(create);
        created.EnsureSuccessStatusCode();
        var user = new User { _thread = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid() };
        user._hub = new HubConnectionBuilder()
            .WithUrl(new Uri(frontDoor, "/hubs/agent"), o =>
            {
                o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                o.SkipNegotiation = true;
                o.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
            })
            .Build();
        user._hub.On<ThreadEvent>(nameof(IAgentClient.ThreadEvent), e =>
        {
            if (e.Type == EventTypes.LlmResponse && user._awaitingReply.TryDequeue(out var intended))
            {
                user._replies.Add(Stopwatch.GetElapsedTime(intended).TotalMilliseconds);
            }
        });
        await user._hub.StartAsync();
        await user._hub.InvokeAsync<JoinThreadResult>("JoinThread", user._thread, 0L);
        return user;
    }

    public async Task SendAsync(long started, TimeSpan offset, TimeSpan interval, int count)
    {
        var sends = new List<Task>();
        for (var k = 0; k < count; k++)
        {
            var intended = started + (long)((offset + interval * k).TotalSeconds * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), intended);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }
            _awaitingReply.Enqueue(intended);
            sends.Add(AckAsync(intended, k));
        }
        await Task.WhenAll(sends);
    }

    private async Task AckAsync(long intended, int k)
    {
        await _hub.InvokeAsync<SendMessageResult>("SendMessage", _thread, Guid.NewGuid().ToString("N"), $"hello {k}");
        _acks.Add(Stopwatch.GetElapsedTime(intended).TotalMilliseconds);
    }

    public List<double> TakeAcks() => [.. _acks];

    public List<double> TakeReplies() => [.. _replies];

    /// <summary>Clears the step's samples; returns how many messages were never answered.</summary>
    public int Reset()
    {
        var missing = _awaitingReply.Count;
        _awaitingReply.Clear();
        _acks.Clear();
        _replies.Clear();
        return missing;
    }

    public ValueTask DisposeAsync() => _hub.DisposeAsync();
}
