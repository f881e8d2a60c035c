using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Options;

namespace Agents.Api.Agent.Tools;

/// <summary>The result of one command: its exit code, its output (capped) and whether it was cut.</summary>
public sealed record CommandResult(string Command, IReadOnlyList<string> Arguments, int ExitCode, string Output, bool Truncated, bool TimedOut, double DurationMs);

/// <summary>A command the policy refuses, with why.</summary>
public sealed class CommandRefusedException(string message) : Exception(message);

/// <summary>
/// Runs allow-listed programs without a shell: the program is resolved from the allow-list, each argument reaches it
/// as one argv entry (so "a; rm -rf /" is one harmless argument), and the process tree is killed on timeout or cancel.
/// </summary>
public sealed class CommandRunner(IOptions<CommandOptions> options)
{
    private readonly Lazy<string> _workingDirectory = new(() =>
    {
        var folder = options.Value.WorkingDirectory ?? Path.Combine(Path.GetTempPath(), "agents-commands");
        Directory.CreateDirectory(folder);
        return folder;
    });

    public IReadOnlyList<string> AllowedCommands => options.Value.AllowedCommands;

    public async Task<CommandResult> RunAsync(string command, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        if (!limits.AllowedCommands.Contains(command, StringComparer.Ordinal))
        {
            throw new CommandRefusedException($"'{command}' is not on the allow-list ({string.Join(", ", limits.AllowedCommands)}).");
        }
        if (arguments.Count > limits.MaxArguments || arguments.Any(a => a.Contains('\0', StringComparison.Ordinal)))
        {
            throw new CommandRefusedException($"At most {limits.MaxArguments} arguments, without NUL characters.");
        }
        var program = Resolve(command) ?? throw new CommandRefusedException($"'{command}' is allowed but not installed here.");

        var startInfo = new ProcessStartInfo(program)
        {
            WorkingDirectory = _workingDirectory.Value,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(startInfo) ?? throw new CommandRefusedException($"'{command}' could not be started.");
        process.StandardInput.Close();
        var output = new CappedBuffer(limits.MaxOutputBytes);
        var readers = Task.WhenAll(CopyAsync(process.StandardOutput, output), CopyAsync(process.StandardError, output));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limits.Timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            timedOut = !cancellationToken.IsCancellationRequested;
            if (!timedOut)
            {
                throw;
            }
        }
        await readers.WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return new CommandResult(command, arguments, timedOut ? -1 : process.ExitCode, output.Text, output.Truncated, timedOut,
            Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 1));
    }

    private static string? Resolve(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, command))
            .FirstOrDefault(File.Exists);

    private static async Task CopyAsync(StreamReader reader, CappedBuffer output)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            output.Append(buffer.AsSpan(0, read));
        }
    }

    private sealed class CappedBuffer(int maxBytes)
    {
        private readonly StringBuilder _text = new();
        private readonly Lock _gate = new();
        private int _bytes;

        public bool Truncated { get; private set; }

        public string Text
        {
            get
            {
                lock (_gate)
                {
                    return _text.ToString();
                }
            }
        }

        public void Append(ReadOnlySpan<char> chunk)
        {
            lock (_gate)
            {
                var room = maxBytes - _bytes;
                var size = Encoding.UTF8.GetByteCount(chunk);
                if (size <= room)
                {
                    _text.Append(chunk);
                    _bytes += size;
                    return;
                }
                Truncated = true;
                // Keep what fits (by characters; close enough for a cap) and drop the rest, still draining the pipe.
                var fit = Math.Max(0, Math.Min(chunk.Length, room));
                _text.Append(chunk[..fit]);
                _bytes = maxBytes;
            }
        }
    }
}
