namespace Agents.Hosting;

/// <summary>
/// An existing server reached through a connection string from the AppHost's configuration
/// (<c>ConnectionStrings:{name}</c>); nothing is started for it.
/// </summary>
public sealed class ConnectionStringResource(string name, string connectionString)
    : Resource(name), IResourceWithConnectionString
{
    /// <inheritdoc />
    public override string ResourceType => "ConnectionString";

    /// <inheritdoc />
    public ValueTask<string?> GetConnectionStringAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<string?>(connectionString);
}
