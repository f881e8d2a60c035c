using Microsoft.Diagnostics.Runtime;

// What a running .NET process holds, by type: the objects reachable from the GC's roots (live), not garbage waiting
// for a collection. For where a server's memory per connection goes (dotnet-gcdump is not on this NuGet mirror).
//   dotnet run -c Release --project bench/heapstat -- <pid> [top=40]
// The process is suspended while its heap is walked (a few seconds for a million objects). Needs ptrace rights (root).
if (args.Length < 1 || !int.TryParse(args[0], out var pid))
{
    Console.Error.WriteLine("usage: heapstat <pid> [top]");
    return 2;
}
var top = args.Length > 1 && int.TryParse(args[1], out var n) ? n : 40;

using var target = DataTarget.AttachToProcess(pid, suspend: true);
var heap = target.ClrVersions[0].CreateRuntime().Heap;

var live = new HashSet<ulong>();
var pending = new Stack<ulong>();
foreach (var root in heap.EnumerateRoots())
{
    if (root.Object.Address != 0 && live.Add(root.Object.Address))
    {
        pending.Push(root.Object.Address);
    }
}
while (pending.Count > 0)
{
    var obj = heap.GetObject(pending.Pop());
    if (!obj.IsValid)
    {
        continue;
    }
    foreach (var reference in obj.EnumerateReferenceAddresses(carefully: true))
    {
        if (reference != 0 && live.Add(reference))
        {
            pending.Push(reference);
        }
    }
}

// One walk of the heap: live and dead objects by type, and live bytes by kind of segment.
var byType = new Dictionary<string, (long Count, long Bytes)>();
var deadByType = new Dictionary<string, (long Count, long Bytes)>();
var liveByKind = new Dictionary<GCSegmentKind, long>();
long liveBytes = 0, deadBytes = 0;
foreach (var obj in heap.EnumerateObjects())
{
    if (!obj.IsValid)
    {
        continue;
    }
    var isLive = live.Contains(obj.Address);
    var tally = isLive ? byType : deadByType;
    var name = obj.Type?.Name ?? "?";
    tally.TryGetValue(name, out var sum);
    tally[name] = (sum.Count + 1, sum.Bytes + (long)obj.Size);
    if (!isLive)
    {
        deadBytes += (long)obj.Size;
        continue;
    }
    liveBytes += (long)obj.Size;
    if (heap.GetSegmentByAddress(obj.Address) is { } segment)
    {
        liveByKind[segment.Kind] = liveByKind.GetValueOrDefault(segment.Kind) + (long)obj.Size;
    }
}
Console.WriteLine($"live: {live.Count} objects, {liveBytes / 1024} KiB; dead or free space on the heap: {deadBytes / 1024} KiB");
// Where the GC heap's committed memory is, by kind of segment (region), against what live objects fill of it.
Console.WriteLine($"{"segments",-12} {"count",6} {"committed KiB",14} {"used KiB",10} {"live KiB",10}");
foreach (var kind in heap.Segments.GroupBy(s => s.Kind).OrderBy(g => g.Key))
{
    Console.WriteLine($"{kind.Key,-12} {kind.Count(),6} {kind.Sum(s => (long)s.CommittedMemory.Length) / 1024,14} {kind.Sum(s => (long)s.ObjectRange.Length) / 1024,10} {liveByKind.GetValueOrDefault(kind.Key) / 1024,10}");
}
PrintByType("type", byType);
if (args.Contains("--dead"))
{
    // Garbage not yet collected, by type: what the process allocated that no longer lives.
    PrintByType("dead type", deadByType);
}
if (args.Contains("--strings"))
{
    // Live strings grouped by their first 24 characters: which texts each connection keeps.
    Console.WriteLine($"{"KiB",10} {"count",9}  live strings starting with");
    var strings = heap.EnumerateObjects().Where(o => o.IsValid && o.Type?.IsString == true && live.Contains(o.Address))
        .Select(o => (Text: o.AsString(64) ?? "", Size: (long)o.Size))
        .GroupBy(s => new string([.. s.Text.Take(24).Select(c => char.IsAsciiDigit(c) || char.IsAsciiHexDigitLower(c) ? '#' : c)]))
        .OrderByDescending(g => g.Sum(s => s.Size)).Take(top);
    foreach (var group in strings)
    {
        Console.WriteLine($"{group.Sum(s => s.Size) / 1024,10} {group.Count(),9}  {group.Key.ReplaceLineEndings(" ")} (e.g. {group.First().Text.ReplaceLineEndings(" ")})");
    }
}
return 0;

void PrintByType(string title, Dictionary<string, (long Count, long Bytes)> tally)
{
    Console.WriteLine($"{"KiB",10} {"count",9}  {title}");
    foreach (var (name, sum) in tally.OrderByDescending(kv => kv.Value.Bytes).Take(top))
    {
        Console.WriteLine($"{sum.Bytes / 1024,10} {sum.Count,9}  {name}");
    }
}
