using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Agents.Hosting.Orchestration;

/// <summary>What to start: a program with its arguments (never a shell string), folder and environment.</summary>
internal sealed record ProcessSpec(string FileName, IReadOnlyList<string> Args, string WorkingDirectory, IReadOnlyDictionary<string, string> Environment)
{
    /// <summary>The signal that asks the program to stop gracefully (postgres: SIGINT, fast shutdown).</summary>
    public int StopSignal { get; init; } = UnixSignals.Term;

    public string CommandLine => string.Join(' ', Args.Prepend(FileName));
}

internal static partial class UnixSignals
{
    public const int Int = 2;
    public const int Kill = 9;
    public const int Term = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    public static bool Send(int pid, int signal) => SysKill(pid, signal) == 0;

    public static bool IsRoot => OperatingSystem.IsLinux() && GetEffectiveUserId() == 0;

    /// <summary>True while a process with that id exists (signal 0 probes without sending anything).</summary>
    public static bool IsAlive(int pid) => SysKill(pid, 0) == 0 || Marshal.GetLastPInvokeError() == 1 /* EPERM: exists, not ours */;
}

/// <summary>A started child process whose output lines go to a callback and which stops gracefully, then by force.</summary>
internal sealed class ManagedProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ManagedProcess(Process process) => _process = process;

    public int Pid => _process.Id;

    /// <summary>Completes with the exit code when the process ends.</summary>
    public Task<int> Exited => _exited.Task;

    // setsid puts the child in a session of its own (and execs, keeping the pid), so a Ctrl+C sent to the
    // terminal's process group reaches only the AppHost, which then stops the children in dependency order.
    private static readonly string? SetSid = OperatingSystem.IsLinux() ? Prerequisites.FindOnPath("setsid") : null;

    public static ManagedProcess Start(ProcessSpec spec, Action<string, bool> onLine)
    {
        var startInfo = new ProcessStartInfo(SetSid ?? spec.FileName)
        {
            WorkingDirectory = spec.WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (SetSid is not null)
        {
            startInfo.ArgumentList.Add(spec.FileName);
        }
        foreach (var arg in spec.Args)
        {
            startInfo.ArgumentList.Add(arg);
        }
        startInfo.Environment.Clear();
        foreach (var (name, value) in spec.Environment)
        {
            startInfo.Environment[name] = value;
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var managed = new ManagedProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) onLine(e.Data, false); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) onLine(e.Data, true); };
        // The Exited event, not WaitForExitAsync: a grandchild keeping the pipes open must not hide the exit.
        process.Exited += (_, _) => managed._exited.TrySetResult(process.ExitCode);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return managed;
    }

    /// <summary>Runs a program to its end and returns its exit code.</summary>
    public static async Task<int> RunToEndAsync(ProcessSpec spec, Action<string, bool> onLine, CancellationToken cancellationToken)
    {
        using var process = Start(spec, onLine);
        try
        {
            return await process.Exited.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await process.StopAsync(TimeSpan.FromSeconds(2));
            throw;
        }
    }

    /// <summary>Asks the process to stop, then kills its whole tree if it is still there after <paramref name="grace"/>.</summary>
    public async Task<int> StopAsync(TimeSpan grace, int signal = UnixSignals.Term)
    {
        if (!_exited.Task.IsCompleted)
        {
            UnixSignals.Send(Pid, signal);
            try
            {
                return await _exited.Task.WaitAsync(grace);
            }
            catch (TimeoutException)
            {
                try
                {
                    _process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // Exited between the timeout and the kill.
                }
            }
        }
        return await _exited.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public void Dispose() => _process.Dispose();
}
