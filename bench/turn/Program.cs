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
    var (acks, replies, missing, sentLate) = await RunStepAsync(users, rate, stepSeconds);
    var step = new JsonObject
    {
        ["messages_per_second_per_user"] = rate,
        ["messages_per_second"] = rate * userCount,
        ["messages"] = acks.Count + missing,
        ["ack_p50_ms"] = Percentile(acks, 0.50), ["ack_p99_ms"] = Percentile(acks, 0.99),
        ["reply_p50_ms"] = Percentile(replies, 0.50), ["reply_p99_ms"] = Percentile(replies, 0.99),
        ["unanswered"] = missing,
        ["sent_late_p50_ms"] = Percentile(sentLate, 0.50), ["sent_late_p99_ms"] = Percentile(sentLate, 0.99),
        ["load_average"] = File.ReadAllText("/proc/loadavg")[..14].Trim(),
    };
    steps.Add(step);
    Console.WriteLine($"{rate * userCount,6:F0} msg/s ({rate} per user): ack p50 {step["ack_p50_ms"],7} p99 {step["ack_p99_ms"],7} ms   reply p50 {step["reply_p50_ms"],7} p99 {step["reply_p99_ms"],7} ms   unanswered {missing}   sent late p50 {step["sent_late_p50_ms"]} p99 {step["sent_late_p99_ms"]} ms");
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

async Task<(List<double> Acks, List<double> Replies, int Missing, List<double> SentLate)> RunStepAsync(User[] all, double ratePerUser, int seconds)
{
    var perUser = Math.Max(1, (int)Math.Round(ratePerUser * seconds));
    var interval = Stopwatch.Frequency / ratePerUser;
    var started = Stopwatch.GetTimestamp();
    // Users start spread over one interval, so the load is even rather than in bursts; every send of the step in time order.
    var schedule = (from i in Enumerable.Range(0, all.Length)
                    from k in Enumerable.Range(0, perUser)
                    select (Intended: started + (long)(interval * (k + (double)i / all.Length)), User: all[i], Index: k))
        .OrderBy(send => send.Intended).ToArray();
    var (answers, lateness) = await SendOnScheduleAsync(schedule);
    await Task.WhenAll(answers);
    var deadline = Stopwatch.GetTimestamp() + 15 * Stopwatch.Frequency;
    while (all.Any(u => u.Pending > 0) && Stopwatch.GetTimestamp() < deadline)
    {
        await Task.Delay(50);
    }
    var acks = all.SelectMany(u => u.TakeAcks()).ToList();
    var replies = all.SelectMany(u => u.TakeReplies()).ToList();
    return (acks, replies, all.Sum(u => u.Reset()), lateness);
}

// Sends from a thread of its own, each message at its intended time: the thread sleeps until it is due (to the
// millisecond; it does not spin, as the realtime generator's sender does on a core of its own, because here the app
// shares both cores with it). Until run 2026-12-05T1042Z each user waited with Task.Delay on the thread pool, whose
// timers fire late (the realtime generator measured p50 0.2-2.2 ms and p90 5.4-5.9 ms late), and that lateness was in
// every latency here.
static Task<(List<Task> Answers, List<double> LatenessMs)> SendOnScheduleAsync((long Intended, User User, int Index)[] schedule)
{
    var done = new TaskCompletionSource<(List<Task>, List<double>)>(TaskCreationOptions.RunContinuationsAsynchronously);
    var thread = new Thread(() =>
    {
        try
        {
            var answers = new List<Task>(schedule.Length);
            var lateness = new List<double>(schedule.Length);
            foreach (var (intended, user, index) in schedule)
            {
                TimeSpan remaining;
                while ((remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), intended)) > TimeSpan.Zero)
                {
                    Thread.Sleep(Math.Max(1, (int)remaining.TotalMilliseconds));
                }
                lateness.Add(Stopwatch.GetElapsedTime(intended).TotalMilliseconds);
                answers.Add(user.Send(intended, index));
            }
            done.SetResult((answers, lateness));
        }
        catch (Exception e)
        {
            done.SetException(e);
        }
    })
    { IsBackground = true, Name = "sender" };
    thread.Start();
    return done.Task;
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

    /// <summary>Sends message <paramref name="k"/> now; the task ends with its answer (the ack).</summary>
    public Task Send(long intended, int k)
    {
        _awaitingReply.Enqueue(intended);
        return AckAsync(intended, k);
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
