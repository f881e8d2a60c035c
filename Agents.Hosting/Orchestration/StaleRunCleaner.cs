using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Agents.Hosting.Orchestration;

/// <summary>
/// The fail-safe for an AppHost that was killed outright (SIGKILL, a crash) and so could not stop its children:
/// every run folder records its AppHost (pid and start time, so a reused pid is not taken for it), and at start an
/// AppHost removes the folders whose AppHost is gone, after killing the processes that still live in them (found by
/// their working folder or command line).
/// </summary>
internal static partial class StaleRunCleaner
{
    public const string FolderPrefix = "agents-apphost-";
    private const string OwnerFile = "apphost.pid";

    public static void RecordOwner(string runDirectory) =>
        File.WriteAllText(Path.Combine(runDirectory, OwnerFile), $"{Environment.ProcessId} {StartTime(Environment.ProcessId)}");

    public static void CleanUp(ILogger logger)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        foreach (var folder in Directory.EnumerateDirectories(Path.GetTempPath(), FolderPrefix + "*"))
        {
            if (OwnerIsAlive(folder))
            {
                continue;
            }
            var killed = 0;
            foreach (var pid in ProcessesIn(folder))
            {
                killed += UnixSignals.Send(pid, UnixSignals.Kill) ? 1 : 0;
            }
            try
            {
                Directory.Delete(folder, recursive: true);
                LogCleaned(logger, folder, killed);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogNotCleaned(logger, folder, e.Message);
            }
        }
    }

    private static bool OwnerIsAlive(string folder)
    {
        try
        {
            var owner = File.ReadAllText(Path.Combine(folder, OwnerFile)).Split(' ');
            var pid = int.Parse(owner[0], CultureInfo.InvariantCulture);
            return UnixSignals.IsAlive(pid) && StartTime(pid) == owner[1];
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException or UnauthorizedAccessException)
        {
            return false; // no owner recorded (or unreadable): nobody claims this folder
        }
    }

    /// <summary>Processes whose working folder or command line is inside <paramref name="folder"/>.</summary>
    internal static IEnumerable<int> ProcessesIn(string folder)
    {
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }
            string? cwd = null;
            string commandLine = "";
            try
            {
                // A folder deleted under a live process reads as "path (deleted)".
                cwd = new DirectoryInfo(Path.Combine(entry, "cwd")).LinkTarget?.Replace(" (deleted)", "", StringComparison.Ordinal);
                commandLine = File.ReadAllText(Path.Combine(entry, "cmdline")).Replace('\0', ' ');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours to look at.
            }
            if ((cwd is not null && (cwd == folder || cwd.StartsWith(folder + "/", StringComparison.Ordinal))) || commandLine.Contains(folder, StringComparison.Ordinal))
            {
                yield return pid;
            }
        }
    }

    /// <summary>The process's start time in clock ticks since boot (field 22 of /proc/pid/stat).</summary>
    private static string StartTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19];
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removed {Folder}, left by an AppHost that did not stop cleanly ({Killed} processes killed)")]
    private static partial void LogCleaned(ILogger logger, string folder, int killed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove {Folder}, left by an earlier AppHost: {Reason}")]
    private static partial void LogNotCleaned(ILogger logger, string folder, string reason);
}
