using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Agents.Bench.LoadGen;

/// <summary>
/// One server's turn: memory per idle connection (fresh server first), then N receivers join the room and the rate
/// steps up until p99 exceeds the limit or a message is lost. Writes what it measured as JSON.
/// </summary>
public static class Turn
{
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static async Task<int> RunAsync(Options options)
    {
        var tree = new ProcessTree(int.Parse(options.Get("root-pid"), System.Globalization.CultureInfo.InvariantCulture), options.Get("server-match"));
        var clients = options.Int("clients", 1000);
        var size = options.Int("size", 256);
        var rates = options.Ints("rates", "10,20,40,80,160,320,640,1280");
        var stepSeconds = options.Int("step-seconds", 8);
        // At low rates a step of stepSeconds holds a few dozen messages: p99 would be the tail of one or two of them.
        var minMessages = options.Int("min-messages", 150);
        var idle = options.Ints("idle", "1000,5000");
        // Each step's per-message timings, to lay over a scheduler trace of the server core (bench/realtime/README.md,
        // "Where a message's time goes"): <prefix>-<step id>.txt.
        var dumpMessages = options.Get("dump-messages", "") is { Length: > 0 } prefix ? prefix : null;
        var maxP99 = options.Int("max-p99", 250);
        ReceiveLoop.SpinMicroseconds = options.Int("receive-spin-us", 100);
        ArrivalClock.Check();
        var target = CreateTarget(options, tree);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(30));
        var token = cancel.Token;

        Console.WriteLine($"{target.Name} ({target.Protocol}): load {string.Join(' ', Machine.LoadAverage())}");
        // Receivers use accounts of their own (after the idle ones): a server may still be closing the idle connections.
        var idleAccounts = idle.Length == 0 ? 0 : idle.Max() + 100;
        await target.PrepareAsync(idleAccounts + clients, token);
        using var keepAlive = new KeepAlives(target);

        var memory = idle.Length == 0 ? null : await MeasureIdleMemoryAsync(target, tree, idle, keepAlive, options.Int("hold-idle-seconds", 0), token);

        // The room: N receivers joined, one sender outside it.
        BroadcastStep? current = null;
        target.Receiver = (connection, data) => BroadcastStep.Scan(connection.Index - idleAccounts, connection.ArrivedTimestamp, data, id =>
        {
            var step = Volatile.Read(ref current);
            return step is not null && (id < 0 || id == step.Id) ? step : null;
        });
        var joinStarted = Stopwatch.GetTimestamp();
        var receivers = await OpenAsync(target, idleAccounts, clients, keepAlive, token);
        await ParallelAsync(receivers, 16, c => target.JoinAsync(c, token));
        var sender = await target.OpenAsync(-1, token);
        keepAlive.Add([sender]);
        Console.WriteLine($"  {clients} receivers joined in {Stopwatch.GetElapsedTime(joinStarted).TotalSeconds:F1} s");
        // Joins can leave work behind (our hub tells every member who is online after each join): it must not be
        // charged to the first step.
        Console.WriteLine($"  server quiet after {await SettleAsync(tree, token):F0} s");

        var steps = new List<StepResult>();
        // Warm-up (not reported): JIT tiering, pools and caches on both sides, at a middle and a low rate, so the steps
        // measure a server in its steady state (as it runs for hours) rather than one still compiling its hot paths. It
        // ends at the first step's rate: every step then follows one at its own rate or a lower one. (Until run
        // 2026-12-05T0944Z it ended at the middle rate, and the first step began with a drop in rate, which no other
        // step has: see bench/realtime/README.md, "An instrument that keeps up".) Each step has its own id: the
        // sender's client message ids are made from it, and a server that deduplicates them (ours) would drop a
        // repeated one.
        var warmUps = new[] { rates[Math.Min(2, rates.Length - 1)], rates[0] };
        for (var i = 0; i < warmUps.Length; i++)
        {
            await RunStepAsync(target, tree, sender, new BroadcastStep(i + 1, warmUps[i], warmUps[i] * 6, clients), size, s => Volatile.Write(ref current, s), dumpMessages, token);
        }
        for (var i = 0; i < rates.Length; i++)
        {
            var step = new BroadcastStep(warmUps.Length + i + 1, rates[i], Math.Max(rates[i] * stepSeconds, minMessages), clients);
            var result = await RunStepAsync(target, tree, sender, step, size, s => Volatile.Write(ref current, s), dumpMessages, token);
            steps.Add(result);
            Console.WriteLine($"  {result.Rate,5}/s: {result.DeliveriesPerSecond,9:F0} deliveries/s  p50 {result.P50Ms,8:F1} ms  p99 {result.P99Ms,8:F1} ms  lost {result.Lost}  dup {result.Duplicated}  ooo {result.OutOfOrder}  read {result.ReadP50Ms:F1}/{result.ReadP99Ms:F1} ms  first copy {result.FirstCopyP50Ms:F1}/{result.FirstCopyP99Ms:F1} ms  spread {result.SpreadP50Ms:F1}/{result.SpreadP99Ms:F1} ms  sent late {result.SendLatenessP50Ms:F1}/{result.SendLatenessP99Ms:F1} ms{(result.SenderRealTime ? "" : " (sender not real-time)")}  generator GCs {result.GeneratorCollections} ({result.GeneratorPausedMs} ms)  unstamped {result.UnstampedReads}  server cpu {result.Cpu.GetValueOrDefault("server"),6:F3} s  ({result.DeliveriesPerCpuSecond:F0}/cpu-s)  load {string.Join(' ', result.LoadAverage)}");
            if (result.P99Ms > maxP99 || result.Lost > 0 || result.SendErrors > 0)
            {
                break;
            }
        }
        target.Receiver = (_, _) => { };
        await ParallelAsync([.. receivers, sender], 64, c => c.DisposeAsync().AsTask());

        var turn = new TurnResult(target.Name, target.Protocol, DateTimeOffset.UtcNow, clients, size, stepSeconds, minMessages, maxP99, ReceiveLoop.SpinMicroseconds, memory, steps);
        await File.WriteAllTextAsync(options.Get("out"), JsonSerializer.Serialize(turn, Json), token);
        return 0;
    }

    private static Target CreateTarget(Options options, ProcessTree tree)
    {
        var name = options.Get("target");
        if (name.StartsWith("agents", StringComparison.Ordinal))
        {
            // The AppHost gives Realtime a port of its own: read it from the process, and connect to it directly (no proxy, as for the peers).
            var url = new UriBuilder(options.Get("url", tree.ServerUrl())) { Scheme = "ws" }.Uri;
            var frontDoor = new Uri(options.Get("front-door", "http://localhost:5080"));
            return name == "agents-ws" ? new AgentsWebSocketTarget(url, frontDoor) : new AgentsTarget(url, frontDoor, messagePack: name == "agents-msgpack");
        }
        var uri = new Uri(options.Get("url"));
        return name switch
        {
            "socket.io" => new SocketIoTarget(uri),
            "ws" => new WsTarget(uri),
            _ => throw new ArgumentException($"Unknown target {name}"),
        };
    }

    private const int IdleSeconds = 10;

    private static async Task<MemoryResult> MeasureIdleMemoryAsync(Target target, ProcessTree tree, int[] counts, KeepAlives keepAlive, int holdSeconds,
        CancellationToken token)
    {
        // A few connections first, so code that runs once per server (JIT, first-use caches) is not charged to the idle ones.
        var open = await OpenAsync(target, 0, 100, keepAlive, token);
        await SettleAsync(tree, token, after: IdleSeconds);
        var (baseline, baselineMakeUp) = tree.ServerMemory();
        Console.WriteLine($"  baseline (100 connections): rss {baseline} KiB ({baselineMakeUp})");
        var perConnection = new Dictionary<string, double>();
        var rss = new Dictionary<string, long>();
        foreach (var count in counts)
        {
            open.AddRange(await OpenAsync(target, open.Count, count + 100 - open.Count, keepAlive, token));
            // Idle means idle for a while, as a server sits between bursts: every runtime's idle-time collection (V8's
            // memory reducer in Node, ours in Realtime) has had its chance to give the burst's garbage back.
            await SettleAsync(tree, token, after: IdleSeconds);
            var key = count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            (rss[key], var makeUp) = tree.ServerMemory();
            perConnection[key] = Math.Round((rss[key] - baseline) / (double)count, 2);
            Console.WriteLine($"  {count} idle connections: {perConnection[key]} KiB each (rss {rss[key]} KiB, baseline {baseline} KiB; {makeUp})");
        }
        if (holdSeconds > 0)
        {
            // For a look inside the server while the idle connections are open (bench/heapstat).
            Console.WriteLine($"  holding them for {holdSeconds} s");
            await Task.Delay(TimeSpan.FromSeconds(holdSeconds), token);
        }
        keepAlive.Clear();
        await ParallelAsync(open, 64, c => c.DisposeAsync().AsTask());
        await SettleAsync(tree, token);
        return new MemoryResult(baseline, rss, perConnection);
    }

    private static async Task<StepResult> RunStepAsync(Target target, ProcessTree tree, Connection sender, BroadcastStep step, int size,
        Action<BroadcastStep> activate, string? dumpMessages, CancellationToken token)
    {
        var load = Machine.LoadAverage();
        var errorsBefore = Interlocked.Read(ref target.SendErrors);
        var unstampedBefore = ArrivalClock.Unstamped;
        activate(step);
        var cpuBefore = tree.CpuSeconds();
        var expected = (long)step.Planned * step.ReceiverCount;
        TimeSpan sent;
        int generatorCollections;
        double generatorPausedMs;
        using (var window = NoCollectionWindow.Open())
        {
            var started = Stopwatch.GetTimestamp();
            await SendOnScheduleAsync(target, sender, step, size, started, token);
            sent = Stopwatch.GetElapsedTime(started);
            // Drain: until every copy arrived, or 5 s after the last send (what is still missing then counts as lost).
            var drainUntil = Stopwatch.GetTimestamp() + 5 * Stopwatch.Frequency;
            while (step.Unique < expected && Stopwatch.GetTimestamp() < drainUntil)
            {
                await Task.Delay(20, token);
            }
            (generatorCollections, generatorPausedMs) = (window.Collections, window.PausedMs);
        }
        var unstamped = ArrivalClock.Unstamped - unstampedBefore;
        var cpuAfter = tree.CpuSeconds();
        var cpu = cpuAfter.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value - cpuBefore.GetValueOrDefault(kv.Key), 4));
        var serverCpu = cpu.GetValueOrDefault("server");
        var (firstCopy, spread) = step.Breakdown();
        if (dumpMessages is not null)
        {
            step.WriteTimings($"{dumpMessages}-{step.Id}.txt");
        }
        return new StepResult(
            step.Rate, step.Planned, Math.Round(sent.TotalSeconds, 2), step.Unique,
            // The step lasts Planned / Rate seconds by design (the last message goes out one interval before its end).
            Math.Round(step.Unique * (double)step.Rate / step.Planned, 0),
            serverCpu > 0 ? Math.Round(step.Unique / serverCpu, 0) : double.NaN,
            step.Latency.Percentile(0.50), step.Latency.Percentile(0.99), step.Latency.Percentile(1.0),
            step.ReadLatency.Percentile(0.50), step.ReadLatency.Percentile(0.99),
            expected - step.Unique, step.Duplicated, step.OutOfOrder, step.OtherMessages,
            Interlocked.Read(ref target.SendErrors) - errorsBefore, firstCopy.P50, firstCopy.P99, spread.P50, spread.P99,
            step.SendLateness.Percentile(0.50), step.SendLateness.Percentile(0.99), step.SenderRealTime, generatorCollections, generatorPausedMs, unstamped, cpu, load);
    }

    /// <summary>
    /// Sends the step's messages at their intended times, from a thread of its own: a timer continuation on the thread
    /// pool came up to 6 ms late (p90 5.5 ms), which was the floor under every server's p99. The thread sleeps to each
    /// send's time on the kernel's clock, at real-time priority where it may (<see cref="SendClock"/>).
    /// </summary>
    private static Task SendOnScheduleAsync(Target target, Connection sender, BroadcastStep step, int size, long started, CancellationToken token)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var interval = Stopwatch.Frequency / (double)step.Rate;
        var thread = new Thread(() =>
        {
            try
            {
                step.SenderRealTime = SendClock.TryTakeRealTimePriority();
                for (var i = 0; i < step.Planned; i++)
                {
                    var intended = started + (long)(i * interval);
                    SendClock.WaitUntil(intended, token);
                    step.SendLateness.Record(Stopwatch.GetElapsedTime(intended).TotalMilliseconds);
                    target.SendAsync(sender, $"b{step.Id}-{i}", BroadcastStep.Text(step.Id, i, intended, size), token).GetAwaiter().GetResult();
                }
                done.SetResult();
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

    /// <summary>Waits (up to 2 minutes) until the server used less than 5% of a core over a second, then <paramref name="after"/> seconds more; returns the seconds waited.</summary>
    private static async Task<double> SettleAsync(ProcessTree tree, CancellationToken token, int after = 2)
    {
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < TimeSpan.FromMinutes(2))
        {
            var before = tree.CpuSeconds().GetValueOrDefault("server");
            await Task.Delay(TimeSpan.FromSeconds(1), token);
            if (tree.CpuSeconds().GetValueOrDefault("server") - before < 0.05)
            {
                break;
            }
        }
        await Task.Delay(TimeSpan.FromSeconds(after), token);
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static async Task<List<Connection>> OpenAsync(Target target, int first, int count, KeepAlives keepAlive, CancellationToken token)
    {
        var opened = new Connection[count];
        await ParallelAsync(Enumerable.Range(0, count), 32, async i => opened[i] = await target.OpenAsync(first + i, token));
        keepAlive.Add(opened);
        return [.. opened];
    }

    private static Task ParallelAsync<T>(IEnumerable<T> items, int parallelism, Func<T, Task> action) =>
        Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (item, _) => await action(item));
}

public sealed record MemoryResult(long BaselineRssKb, Dictionary<string, long> RssKb, Dictionary<string, double> PerIdleConnectionKb);

public sealed record StepResult(
    int Rate, int Sent, double SendSeconds, long Delivered, double DeliveriesPerSecond, double DeliveriesPerCpuSecond,
    double P50Ms, double P99Ms, double MaxMs, double ReadP50Ms, double ReadP99Ms, long Lost, long Duplicated, long OutOfOrder, long OtherMessages, long SendErrors,
    double FirstCopyP50Ms, double FirstCopyP99Ms, double SpreadP50Ms, double SpreadP99Ms,
    double SendLatenessP50Ms, double SendLatenessP99Ms, bool SenderRealTime, int GeneratorCollections, double GeneratorPausedMs, long UnstampedReads, Dictionary<string, double> Cpu,
    double[] LoadAverage);

public sealed record TurnResult(
    string Name, string Protocol, DateTimeOffset At, int Clients, int Size, int StepSeconds, int MinMessages, int MaxP99Ms,
    int ReceiveSpinMicroseconds, MemoryResult? Memory, List<StepResult> Steps);
