namespace Agents.Hosting;

/// <summary>A PostgreSQL server run from the installed server binaries on a free loopback port.</summary>
public sealed class PostgresServerResource(string name, string password)
    : Resource(name), IResourceWithConnectionString, IResourceWithWaitSupport
{
    /// <summary>The superuser name.</summary>
    public string UserName => "postgres";

    /// <summary>The generated superuser password.</summary>
    public string Password { get; } = password;

    /// <summary>The port, once allocated.</summary>
    public int? Port { get; internal set; }

    /// <summary>The databases to create once the server is up.</summary>
    public List<PostgresDatabaseResource> Databases { get; } = [];

    /// <inheritdoc />
    public override string ResourceType => "PostgreSQL";

    /// <inheritdoc />
    public ValueTask<string?> GetConnectionStringAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Port is { } port
            ? $"Host=127.0.0.1;Port={port};Username={UserName};Password={Password}"
            : null);
}

/// <summary>A database created on a <see cref="PostgresServerResource"/>.</summary>
public sealed class PostgresDatabaseResource(string name, string databaseName, PostgresServerResource parent)
    : Resource(name), IResourceWithConnectionString, IResourceWithParent
{
    /// <summary>The database name in the server.</summary>
    public string DatabaseName { get; } = databaseName;

    /// <summary>The server that holds the database.</summary>
    public PostgresServerResource Server { get; } = parent;

    IResource IResourceWithParent.Parent => Server;

    /// <inheritdoc />
    public override string ResourceType => "PostgreSQL database";

    /// <inheritdoc />
    public async ValueTask<string?> GetConnectionStringAsync(CancellationToken cancellationToken = default) =>
        await Server.GetConnectionStringAsync(cancellationToken) is { } server ? $"{server};Database={DatabaseName}" : null;
}
