namespace Agents.Hosting;

/// <summary>Configures one resource of the model; every <c>With*</c> method returns the same builder.</summary>
public interface IResourceBuilder<out T> where T : IResource
{
    /// <summary>The application builder that owns the resource.</summary>
    IDistributedApplicationBuilder ApplicationBuilder { get; }

    /// <summary>The resource being configured.</summary>
    T Resource { get; }
}

internal sealed class ResourceBuilder<T>(IDistributedApplicationBuilder applicationBuilder, T resource) : IResourceBuilder<T>
    where T : IResource
{
    public IDistributedApplicationBuilder ApplicationBuilder { get; } = applicationBuilder;

    public T Resource { get; } = resource;
}
