namespace Agents.Hosting;

/// <summary>A .NET project started from its built assembly.</summary>
public sealed class ProjectResource(string name, IProjectMetadata metadata)
    : Resource(name), IResourceWithEnvironment, IResourceWithServiceDiscovery, IResourceWithWaitSupport
{
    /// <summary>Where the project and its assembly are.</summary>
    public IProjectMetadata Metadata { get; } = metadata;

    /// <inheritdoc />
    public override string ResourceType => "Project";
}
