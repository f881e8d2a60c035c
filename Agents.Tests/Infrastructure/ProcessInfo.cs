namespace Agents.Tests.Infrastructure;

/// <summary>What /proc says about a process: whether it lives, its environment, its children.</summary>
public static class ProcessInfo
{
    /// <summary>True while the process exists and is not a zombie waiting to be reaped.</summary>
    public static bool IsAlive(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat))
        {
            return false;
        }
        try
        {
            var text = File.ReadAllText(stat);
            // Format: "pid (comm) S ..."; comm may contain spaces, so read the state after the last ')'.
            var state = text[(text.LastIndexOf(')') + 2)..][0];
            return state != 'Z' && state != 'X';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The environment the process was started with.</summary>
    public static IReadOnlyDictionary<string, string> Environment(int pid) =>
        File.ReadAllText($"/proc/{pid}/environ")
            .Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(entry => entry.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .GroupBy(parts => parts[0])
            .ToDictionary(g => g.Key, g => g.Last()[1]);

    /// <summary>The process and all its descendants (children are listed per thread: .NET starts them from any thread).</summary>
    public static IReadOnlyList<int> Tree(int pid)
    {
        var all = new List<int> { pid };
        var tasks = $"/proc/{pid}/task";
        if (!Directory.Exists(tasks))
        {
            return all;
        }
        foreach (var task in Directory.EnumerateDirectories(tasks))
        {
            string children;
            try
            {
                children = File.ReadAllText(Path.Combine(task, "children"));
            }
            catch (IOException)
            {
                continue; // the thread ended meanwhile
            }
            foreach (var child in children.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                all.AddRange(Tree(int.Parse(child, System.Globalization.CultureInfo.InvariantCulture)));
            }
        }
        return all;
    }
}
