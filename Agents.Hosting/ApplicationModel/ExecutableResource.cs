namespace Agents.Hosting;

/// <summary>Any program started with a command and arguments (never through a shell).</summary>
public sealed class ExecutableResource(string name, string command, string workingDirectory, IReadOnlyList<string> args)
    : Resource(name), IResourceWithEnvironment, IResourceWithWaitSupport
{
    /// <summary>The program: a path, or a name looked up on PATH.</summary>
    public string Command { get; } = command;

    /// <summary>The folder the program starts in.</summary>
    public string WorkingDirectory { get; } = workingDirectory;

    /// <summary>The arguments, passed as they are.</summary>
    public IReadOnlyList<string> Args { get; } = args;

    /// <inheritdoc />
    public override string ResourceType => "Executable";
}
