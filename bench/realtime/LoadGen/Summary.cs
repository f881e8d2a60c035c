using System.Text.Json;
using System.Text.Json.Nodes;

namespace Agents.Bench.LoadGen;

/// <summary>
/// Reads every turn of a run and writes the results: per server, the figures at the highest rate it held (p99 under the
/// limit, nothing lost, no send refused), the median over the repeats; the repeats themselves beside them.
/// </summary>
public static class Summary
{
    public static int Write(Options options)
    {
        var turns = Directory.EnumerateFiles(options.Get("dir"), "*.json")
            .Order(StringComparer.Ordinal)
            .Select(f => JsonSerializer.Deserialize<TurnResult>(File.ReadAllText(f), Turn.Json)!)
            .ToList();
        var first = turns[0];
        var servers = new JsonArray();
        foreach (var group in turns.GroupBy(t => (t.Name, t.Protocol)))
        {
            var held = group.Select(t => t.Steps.LastOrDefault(s => s.P99Ms <= t.MaxP99Ms && s.Lost == 0 && s.SendErrors == 0)).ToList();
            var ok = held.OfType<StepResult>().ToList();
            // A server that held no rate at all has no figures: null rather than NaN (which JSON cannot hold).
            JsonNode? Median(Func<StepResult, double> f) => ok.Count == 0 ? null : Node(MedianOf(ok.Select(f)));
            JsonNode? MedianCpu(string component) => Median(s => s.Delivered == 0 ? 0 : Math.Round(s.Cpu.GetValueOrDefault(component) * 100_000 / s.Delivered, 3));
            var memory = new JsonObject();
            foreach (var count in group.SelectMany(t => t.Memory?.PerIdleConnectionKb.Keys.ToList() ?? []).Distinct())
            {
                memory[count] = Node(MedianOf(group.Where(t => t.Memory is not null).Select(t => t.Memory!.PerIdleConnectionKb.GetValueOrDefault(count))));
            }
            servers.Add(new JsonObject
            {
                ["name"] = group.Key.Name,
                ["protocol"] = group.Key.Protocol,
                ["deliveries_per_second"] = Median(s => s.DeliveriesPerSecond),
                ["deliveries_per_cpu_second"] = Median(s => s.DeliveriesPerCpuSecond),
                ["p50_ms"] = Median(s => s.P50Ms),
                ["p99_ms"] = Median(s => s.P99Ms),
                // The same latencies to when the generator's one reader read each copy (ArrivalClock): the headline
                // figures until the generator took the kernel's arrival stamps (bench/realtime/README.md, "Arrival at
                // the receiver's socket").
                ["read_p50_ms"] = Median(s => s.ReadP50Ms),
                ["read_p99_ms"] = Median(s => s.ReadP99Ms),
                ["lost"] = Median(s => s.Lost),
                ["duplicated"] = Median(s => s.Duplicated),
                ["out_of_order"] = Median(s => s.OutOfOrder),
                ["memory_per_idle_connection_kb"] = memory,
                ["held_rate_messages_per_second"] = Median(s => s.Rate),
                ["server_cpu_seconds_per_100k_deliveries"] = MedianCpu("server"),
                // Our hub's deliveries also cost the Api, Postgres and Redis (the message is stored and streamed first).
                ["supporting_cpu_seconds_per_100k_deliveries"] = new JsonObject
                {
                    ["api"] = MedianCpu("api"),
                    ["postgres"] = MedianCpu("postgres"),
                    ["redis"] = MedianCpu("redis"),
                    ["other"] = MedianCpu("other"),
                },
                // Every WebSocket message the receivers got, the counted ones and the others (our hub's bot_status events
                // when they left in a message of their own, SignalR pings), per server CPU-second.
                ["websocket_messages_per_cpu_second"] = Median(MessagesPerCpuSecond),
                ["other_messages_per_step"] = Median(s => s.OtherMessages),
                ["repeats"] = new JsonArray([.. group.Zip(held).Select(p => (JsonNode)new JsonObject
                {
                    ["at"] = p.First.At,
                    ["held"] = p.Second is null ? null : JsonSerializer.SerializeToNode(p.Second, Turn.Json),
                    ["stopped_at"] = JsonSerializer.SerializeToNode(p.First.Steps.LastOrDefault(), Turn.Json),
                    ["memory"] = JsonSerializer.SerializeToNode(p.First.Memory, Turn.Json),
                    ["load_average_per_step"] = new JsonArray([.. p.First.Steps.Select(s => (JsonNode)new JsonArray([.. s.LoadAverage.Select(v => (JsonNode)v)]))]),
                })]),
            });
        }
        // Per delivery CPU falls as the rate rises (fixed costs: pings, timers, telemetry), so servers are also compared
        // at the same rates: the median deliveries per server CPU-second and p99 of every rate each server ran.
        var atEqualRates = new JsonObject();
        foreach (var rate in turns.SelectMany(t => t.Steps).Select(s => s.Rate).Distinct().Order())
        {
            var row = new JsonObject();
            foreach (var group in turns.GroupBy(t => $"{t.Name}/{t.Protocol}"))
            {
                var steps = group.SelectMany(t => t.Steps).Where(s => s.Rate == rate).ToList();
                if (steps.Count > 0)
                {
                    row[group.Key] = new JsonObject
                    {
                        ["deliveries_per_cpu_second"] = Node(MedianOf(steps.Select(s => s.DeliveriesPerCpuSecond))),
                        ["websocket_messages_per_cpu_second"] = Node(MedianOf(steps.Select(MessagesPerCpuSecond))),
                        ["p50_ms"] = Node(MedianOf(steps.Select(s => s.P50Ms))),
                        ["p99_ms"] = Node(MedianOf(steps.Select(s => s.P99Ms))),
                        ["read_p50_ms"] = Node(MedianOf(steps.Select(s => s.ReadP50Ms))),
                        ["read_p99_ms"] = Node(MedianOf(steps.Select(s => s.ReadP99Ms))),
                        // Where the latency is: the path up to the fan-out (a message's first copy), then the fan-out
                        // itself (from a message's first copy to its last).
                        ["first_copy_p50_ms"] = Node(MedianOf(steps.Select(s => s.FirstCopyP50Ms))),
                        ["first_copy_p99_ms"] = Node(MedianOf(steps.Select(s => s.FirstCopyP99Ms))),
                        ["spread_p50_ms"] = Node(MedianOf(steps.Select(s => s.SpreadP50Ms))),
                        ["spread_p99_ms"] = Node(MedianOf(steps.Select(s => s.SpreadP99Ms))),
                        // The instrument's share: how late the sender sent (the same generator for every server).
                        ["sent_late_p50_ms"] = Node(MedianOf(steps.Select(s => s.SendLatenessP50Ms))),
                        ["sent_late_p99_ms"] = Node(MedianOf(steps.Select(s => s.SendLatenessP99Ms))),
                        ["lost"] = Node(MedianOf(steps.Select(s => (double)s.Lost))),
                        ["runs"] = steps.Count,
                    };
                }
            }
            atEqualRates[rate.ToString(System.Globalization.CultureInfo.InvariantCulture)] = row;
        }
        var results = new JsonObject
        {
            ["machine"] = new JsonObject
            {
                ["cpu"] = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim(),
                // Not Environment.ProcessorCount: this process is pinned to one core.
                ["cores"] = File.ReadLines("/proc/cpuinfo").Count(l => l.StartsWith("processor", StringComparison.Ordinal)),
                ["memory_gib"] = Math.Round(long.Parse(File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024.0 / 1024, 1),
                ["kernel"] = File.ReadAllText("/proc/sys/kernel/osrelease").Trim(),
                ["dotnet"] = Environment.Version.ToString(),
                ["node"] = options.Get("node-version", ""),
                ["pinning"] = "load generator alone on core 0; the server on core 1 (taskset); for agents-realtime, the whole AppHost tree (AppHost, Api, Realtime, Web, Postgres, Redis) on core 1",
                ["note"] = options.Get("note", ""),
            },
            ["params"] = new JsonObject
            {
                ["clients"] = first.Clients,
                ["size_bytes"] = first.Size,
                ["step_seconds"] = first.StepSeconds,
                ["min_messages_per_step"] = first.MinMessages,
                ["max_p99_ms"] = first.MaxP99Ms,
                ["receive_spin_us"] = first.ReceiveSpinMicroseconds,
                // The generator's own collections inside the steps' windows (NoCollectionWindow): 0 unless one ran out of room.
                ["generator_collections_in_steps"] = turns.SelectMany(t => t.Steps).Sum(s => s.GeneratorCollections),
                // Copies read without the kernel's arrival stamp (ArrivalClock), their arrival taken as the read: 0 unless something is wrong.
                ["unstamped_reads_in_steps"] = turns.SelectMany(t => t.Steps).Sum(s => s.UnstampedReads),
                ["rates"] = new JsonArray([.. turns.SelectMany(t => t.Steps).Select(s => s.Rate).Distinct().Order().Select(r => (JsonNode)r)]),
                ["repeats"] = turns.GroupBy(t => (t.Name, t.Protocol)).Max(g => g.Count()),
                ["order"] = new JsonArray([.. turns.Select(t => (JsonNode)$"{t.Name}/{t.Protocol}")]),
            },
            ["servers"] = servers,
            ["at_equal_rates"] = atEqualRates,
        };
        File.WriteAllText(options.Get("out"), results.ToJsonString(Turn.Json));
        Console.WriteLine($"{"server",-18} {"protocol",-12} {"held msg/s",10} {"deliv/s",9} {"deliv/cpu-s",12} {"p50 ms",8} {"p99 ms",8} {"lost",5} {"dup",5} {"ooo",5} {"KiB/idle conn (1k, 5k)",24}");
        foreach (var server in servers)
        {
            var memory = server!["memory_per_idle_connection_kb"]!.AsObject();
            Console.WriteLine($"{server["name"],-18} {server["protocol"],-12} {server["held_rate_messages_per_second"],10} {server["deliveries_per_second"],9} {server["deliveries_per_cpu_second"],12} {server["p50_ms"],8} {server["p99_ms"],8} {server["lost"],5} {server["duplicated"],5} {server["out_of_order"],5} {string.Join(", ", memory.Select(m => m.Value?.ToString())),24}");
        }
        Console.WriteLine();
        Console.WriteLine("deliveries per server CPU-second (p99 ms; first copy p99 + spread p99; p99 as read) at each rate:");
        foreach (var (rate, row) in atEqualRates)
        {
            Console.WriteLine($"{rate,5}/s  " + string.Join("  ", row!.AsObject().Select(c =>
                $"{c.Key} {c.Value!["deliveries_per_cpu_second"]} ({c.Value!["p99_ms"]}; {c.Value!["first_copy_p99_ms"]} + {c.Value!["spread_p99_ms"]}; {c.Value!["read_p99_ms"]})")));
        }
        return 0;
    }

    private static JsonNode? Node(double value) => double.IsNaN(value) ? null : JsonValue.Create(value);

    private static double MessagesPerCpuSecond(StepResult step) =>
        step.Cpu.GetValueOrDefault("server") is > 0 and var cpu ? Math.Round((step.Delivered + step.OtherMessages) / cpu, 0) : double.NaN;

    private static double MedianOf(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
