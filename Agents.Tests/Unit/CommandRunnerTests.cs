using Agents.Api.Agent.Tools;
using Microsoft.Extensions.Options;

namespace Agents.Tests.Unit;

/// <summary>The commands tool runs real programs: these tests start real processes.</summary>
public sealed class CommandRunnerTests
{
    private static CommandRunner Runner(Action<CommandOptions>? configure = null)
    {
        var options = new CommandOptions { WorkingDirectory = Path.GetTempPath() };
        configure?.Invoke(options);
        return new CommandRunner(Options.Create(options));
    }

    [Fact]
    public async Task ACommandOffTheAllowListIsRefused()
    {
        var refused = await Assert.ThrowsAsync<CommandRefusedException>(() => Runner().RunAsync("rm", ["-rf", "/tmp/x"], TestContext.Current.CancellationToken));
        Assert.Contains("not on the allow-list", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ArgumentsCannotInjectASecondCommand()
    {
        var marker = Path.Combine(Path.GetTempPath(), $"injected-{Guid.NewGuid():N}");
        var result = await Runner().RunAsync("echo", [$"hi; touch {marker}", $"$(touch {marker})", $"`touch {marker}`", "&& touch", marker], TestContext.Current.CancellationToken);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"hi; touch {marker} $(touch {marker}) `touch {marker}` && touch {marker}\n", result.Output);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task OutputIsCapped()
    {
        var result = await Runner(o => { o.MaxOutputBytes = 1_024; o.AllowedCommands.Add("seq"); })
            .RunAsync("seq", ["1", "100000"], TestContext.Current.CancellationToken);

        Assert.True(result.Truncated);
        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(result.Output), 1, 1_024);
        Assert.StartsWith("1\n2\n3\n", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACommandThatRunsTooLongIsKilled()
    {
        var result = await Runner(o => o.Timeout = TimeSpan.FromSeconds(1)).RunAsync("sleep", ["30"], TestContext.Current.CancellationToken);

        Assert.True(result.TimedOut);
        Assert.InRange(result.DurationMs, 900, 10_000);
    }

    [Fact]
    public async Task CancelKillsTheRunningCommand()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var started = DateTime.UtcNow;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Runner().RunAsync("sleep", ["30"], cancel.Token));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(System.Diagnostics.Process.GetProcessesByName("sleep"), p => p.StartTime.ToUniversalTime() >= started.AddSeconds(-1) && !p.HasExited && Agents.Tests.Infrastructure.ProcessInfo.IsAlive(p.Id) && ReadCmd(p.Id) == "sleep\u000030\u0000");
    }

    private static string ReadCmd(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline");
        }
        catch (IOException)
        {
            return "";
        }
    }
}
