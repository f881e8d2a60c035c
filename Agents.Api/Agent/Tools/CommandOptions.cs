using System.ComponentModel.DataAnnotations;

namespace Agents.Api.Agent.Tools;

/// <summary>
/// What the commands tool may run: programs by name from <see cref="AllowedCommands"/> (looked up on PATH once), with
/// arguments passed one by one (never through a shell), in <see cref="WorkingDirectory"/>, cut after
/// <see cref="Timeout"/>, output kept up to <see cref="MaxOutputBytes"/>.
/// </summary>
public sealed class CommandOptions
{
    public const string SectionName = "Agent:Commands";

    public List<string> AllowedCommands { get; set; } = ["echo", "date", "uptime", "uname", "whoami", "df", "free", "ls", "cat", "sleep", "hostname", "nproc"];

    /// <summary>Where commands run; default: a folder of its own under the temp folder.</summary>
    public string? WorkingDirectory { get; set; }

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    [Range(1_024, 10_485_760)]
    public int MaxOutputBytes { get; set; } = 64 * 1024;

    [Range(0, 64)]
    public int MaxArguments { get; set; } = 16;
}
