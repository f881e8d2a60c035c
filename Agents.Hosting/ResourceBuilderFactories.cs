using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Agents.Hosting;

/// <summary>The <c>Add*</c> methods of the app model, named as Aspire's.</summary>
public static class ResourceBuilderFactories
{
    /// <summary>A PostgreSQL server started from the installed server binaries (no container).</summary>
    public static IResourceBuilder<PostgresServerResource> AddPostgres(this IDistributedApplicationBuilder builder, string name) =>
        builder.AddResource(new PostgresServerResource(name, GeneratePassword()));

    /// <summary>A database created on the server once it is up.</summary>
    public static IResourceBuilder<PostgresDatabaseResource> AddDatabase(this IResourceBuilder<PostgresServerResource> builder, string name, string? databaseName = null)
    {
        var database = new PostgresDatabaseResource(name, databaseName ?? name, builder.Resource);
        builder.Resource.Databases.Add(database);
        return builder.ApplicationBuilder.AddResource(database);
    }

    /// <summary>A Redis server started from the installed <c>redis-server</c>, memory only.</summary>
    public static IResourceBuilder<RedisResource> AddRedis(this IDistributedApplicationBuilder builder, string name) =>
        builder.AddResource(new RedisResource(name, GeneratePassword()));

    /// <summary>A builder for a resource already in the model (to change a model the AppHost declared, in tests).</summary>
    public static IResourceBuilder<T> CreateResourceBuilder<T>(this IDistributedApplicationBuilder builder, T resource) where T : IResource =>
        builder.Resources.Contains(resource)
            ? new ResourceBuilder<T>(builder, resource)
            : throw new DistributedApplicationException($"'{resource.Name}' is not in this model.");

    /// <summary>Keeps Redis data on disk for the run (RDB), as Aspire's <c>WithPersistence</c>.</summary>
    public static IResourceBuilder<RedisResource> WithPersistence(this IResourceBuilder<RedisResource> builder)
    {
        builder.Resource.Persistent = true;
        return builder;
    }

    /// <summary>A .NET project of the solution, started from its build output.</summary>
    public static IResourceBuilder<ProjectResource> AddProject<TProject>(this IDistributedApplicationBuilder builder, string name)
        where TProject : IProjectMetadata, new()
    {
        var project = new ProjectResource(name, new TProject());
        var resourceBuilder = builder.AddResource(project);
        // As Aspire: the project's launch profile names the port a person can bookmark.
        if (LaunchProfilePort(project.Metadata.ProjectPath) is { } port)
        {
            resourceBuilder.WithHttpEndpoint(port);
        }
        return resourceBuilder;
    }

    /// <summary>Any program, started without a shell.</summary>
    public static IResourceBuilder<ExecutableResource> AddExecutable(this IDistributedApplicationBuilder builder, string name, string command, string workingDirectory, params string[] args) =>
        builder.AddResource(new ExecutableResource(name, command, workingDirectory, args));

    /// <summary>An existing server reached through <c>ConnectionStrings:{name}</c> of the AppHost's configuration.</summary>
    public static IResourceBuilder<ConnectionStringResource> AddConnectionString(this IDistributedApplicationBuilder builder, string name)
    {
        var connectionString = builder.Configuration.GetConnectionString(name);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new DistributedApplicationException(
                $"Connection string '{name}' is not set: set ConnectionStrings__{name} in the environment or ConnectionStrings:{name} in the AppHost's configuration.");
        }
        return builder.AddResource(new ConnectionStringResource(name, connectionString));
    }

    /// <summary>
    /// A parameter from <c>Parameters:{name}</c> of the AppHost's configuration. A secret that is not configured is
    /// generated for the run (48 random bytes, base64); any other missing parameter is an error.
    /// </summary>
    public static IResourceBuilder<ParameterResource> AddParameter(this IDistributedApplicationBuilder builder, string name, bool secret = false)
    {
        var value = builder.Configuration[$"Parameters:{name}"];
        if (string.IsNullOrEmpty(value))
        {
            value = secret
                ? Convert.ToBase64String(RandomNumberGenerator.GetBytes(48))
                : throw new DistributedApplicationException($"Parameter '{name}' is not set: set Parameters__{name} in the environment or Parameters:{name} in the AppHost's configuration.");
        }
        return builder.AddResource(new ParameterResource(name, value, secret));
    }

    private static string GeneratePassword() =>
        RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 24);

    private static int? LaunchProfilePort(string projectPath)
    {
        var file = Path.Combine(Path.GetDirectoryName(projectPath)!, "Properties", "launchSettings.json");
        if (!File.Exists(file))
        {
            return null;
        }
        using var document = JsonDocument.Parse(File.ReadAllText(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (!document.RootElement.TryGetProperty("profiles", out var profiles))
        {
            return null;
        }
        foreach (var profile in profiles.EnumerateObject())
        {
            if (profile.Value.TryGetProperty("applicationUrl", out var urls) && urls.GetString() is { } text)
            {
                foreach (var url in text.Split(';', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp)
                    {
                        return uri.Port;
                    }
                }
            }
        }
        return null;
    }
}
