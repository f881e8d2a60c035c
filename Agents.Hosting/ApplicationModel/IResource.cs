namespace Agents.Hosting;

/// <summary>A named part of the app model: a server, a database, a project, an executable.</summary>
public interface IResource
{
    /// <summary>The resource name: lowercase, unique in the model, used in the environment contract.</summary>
    string Name { get; }
}

/// <summary>A resource that other resources reach through <c>ConnectionStrings__{Name}</c>.</summary>
public interface IResourceWithConnectionString : IResource
{
    /// <summary>The connection string, available once the application has started allocating endpoints.</summary>
    ValueTask<string?> GetConnectionStringAsync(CancellationToken cancellationToken = default);
}

/// <summary>A resource that receives environment variables (projects and executables).</summary>
public interface IResourceWithEnvironment : IResource;

/// <summary>A resource that other resources find through <c>services__{Name}__http__{i}</c>.</summary>
public interface IResourceWithServiceDiscovery : IResource;

/// <summary>A resource that can wait for others before it starts.</summary>
public interface IResourceWithWaitSupport : IResource;

/// <summary>A resource owned by another (a database by its server).</summary>
public interface IResourceWithParent : IResource
{
    /// <summary>The owning resource.</summary>
    IResource Parent { get; }
}
