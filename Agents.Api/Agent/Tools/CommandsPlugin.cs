using System.ComponentModel;
using System.Text;
using Microsoft.SemanticKernel;

namespace Agents.Api.Agent.Tools;

/// <summary>The <c>commands</c> plugin: allow-listed programs, no shell.</summary>
public sealed class CommandsPlugin(CommandRunner runner)
{
    [KernelFunction("run"), Description("Runs an allow-listed program (no shell) and returns its exit code and output.")]
    public Task<CommandResult> RunAsync(
        [Description("The program's name, one of the allow-list")] string command,
        [Description("Arguments separated by spaces; double quotes group words into one argument")] string arguments = "",
        CancellationToken cancellationToken = default) =>
        runner.RunAsync(command, SplitArguments(arguments), cancellationToken);

    /// <summary>Splits on spaces, with double quotes grouping; nothing is expanded or interpreted.</summary>
    public static IReadOnlyList<string> SplitArguments(string arguments)
    {
        var result = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        var any = false;
        foreach (var c in arguments)
        {
            if (c == '"')
            {
                quoted = !quoted;
                any = true;
            }
            else if (char.IsWhiteSpace(c) && !quoted)
            {
                if (any)
                {
                    result.Add(current.ToString());
                    current.Clear();
                    any = false;
                }
            }
            else
            {
                current.Append(c);
                any = true;
            }
        }
        if (any)
        {
            result.Add(current.ToString());
        }
        return result;
    }
}
