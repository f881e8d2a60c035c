namespace Agents.Hosting;

/// <summary>A Redis server run from the installed <c>redis-server</c> on a free loopback port.</summary>
public sealed class RedisResource(string name, string password)
    : Resource(name), IResourceWithConnectionString, IResourceWithWaitSupport
{
    /// <summary>The generated password (<c>requirepass</c>).</summary>
    public string Password { get; } = password;

    /// <summary>The port, once allocated.</summary>
    public int? Port { get; internal set; }

    /// <summary>Keep data on disk (RDB snapshots in the run's data folder) rather than memory only.</summary>
    public bool Persistent { get; internal set; }

    /// <inheritdoc />
    public override string ResourceType => "Redis";

    /// <inheritdoc />
    public ValueTask<string?> GetConnectionStringAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Port is { } port ? $"127.0.0.1:{port},password={Password}" : null);
}
