namespace Agents.Hosting;

/// <summary>The <c>With*</c> and <c>WaitFor</c> methods of the app model, named as Aspire's.</summary>
public static class ResourceBuilderExtensions
{
    /// <summary>
    /// Gives the resource what it needs to reach <paramref name="source"/>: <c>ConnectionStrings__{name}</c> for a
    /// server or database, <c>services__{name}__http__{i}</c> for a project (one entry per replica).
    /// </summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResource> source)
        where T : Resource, IResourceWithEnvironment
    {
        var target = source.Resource;
        builder.Resource.References.Add(target);
        builder.Resource.EnvironmentCallbacks.Add(async context =>
        {
            switch (target)
            {
                case IResourceWithConnectionString withConnectionString:
                    var connectionString = await withConnectionString.GetConnectionStringAsync(context.CancellationToken)
                        ?? throw new DistributedApplicationException($"The connection string of '{target.Name}' is not available yet.");
                    context.EnvironmentVariables[$"ConnectionStrings__{target.Name}"] = connectionString;
                    break;
                case Resource { HttpEndpoint: { } endpoint } when target is IResourceWithServiceDiscovery:
                    var urls = endpoint.Urls;
                    for (var i = 0; i < urls.Count; i++)
                    {
                        context.EnvironmentVariables[$"services__{target.Name}__{endpoint.Name}__{i}"] = urls[i].ToString().TrimEnd('/');
                    }
                    break;
                default:
                    throw new DistributedApplicationException($"'{target.Name}' can be neither reached by connection string nor discovered as a service.");
            }
        });
        return builder;
    }

    /// <summary>Starts the resource only once <paramref name="dependency"/> is running and healthy.</summary>
    public static IResourceBuilder<T> WaitFor<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResource> dependency)
        where T : Resource, IResourceWithWaitSupport
    {
        builder.Resource.WaitsFor.Add(dependency.Resource);
        return builder;
    }

    /// <summary>Sets an environment variable of the resource's processes.</summary>
    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, string? value)
        where T : Resource, IResourceWithEnvironment
    {
        builder.Resource.EnvironmentCallbacks.Add(context =>
        {
            if (value is null)
            {
                context.EnvironmentVariables.Remove(name);
            }
            else
            {
                context.EnvironmentVariables[name] = value;
            }
            return ValueTask.CompletedTask;
        });
        return builder;
    }

    /// <summary>Sets an environment variable of the resource's processes to a parameter's value.</summary>
    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, IResourceBuilder<ParameterResource> parameter)
        where T : Resource, IResourceWithEnvironment => builder.WithEnvironment(name, parameter.Resource.Value);

    /// <summary>Sets environment variables of the resource's processes from a callback run at start.</summary>
    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, Func<EnvironmentCallbackContext, ValueTask> callback)
        where T : Resource, IResourceWithEnvironment
    {
        builder.Resource.EnvironmentCallbacks.Add(callback);
        return builder;
    }

    /// <summary>Gives the resource an HTTP endpoint, on <paramref name="port"/> or a free port.</summary>
    public static IResourceBuilder<T> WithHttpEndpoint<T>(this IResourceBuilder<T> builder, int? port = null)
        where T : Resource
    {
        builder.Resource.HttpEndpoint ??= new EndpointAnnotation();
        if (port is not null)
        {
            builder.Resource.HttpEndpoint.Port = port;
        }
        return builder;
    }

    /// <summary>Marks the HTTP endpoint as meant for people: bound on localhost, its URL printed at start.</summary>
    public static IResourceBuilder<T> WithExternalHttpEndpoints<T>(this IResourceBuilder<T> builder)
        where T : Resource
    {
        builder.WithHttpEndpoint().Resource.HttpEndpoint!.IsExternal = true;
        return builder;
    }

    /// <summary>Healthy only while <c>GET {path}</c> on the HTTP endpoint answers 2xx.</summary>
    public static IResourceBuilder<T> WithHttpHealthCheck<T>(this IResourceBuilder<T> builder, string path = "/health")
        where T : Resource
    {
        if (!path.StartsWith('/'))
        {
            throw new ArgumentException("A health check path starts with '/'.", nameof(path));
        }
        builder.WithHttpEndpoint().Resource.HealthCheckPath = path;
        return builder;
    }

    /// <summary>Runs <paramref name="replicas"/> processes of the resource, each on its own port.</summary>
    public static IResourceBuilder<T> WithReplicas<T>(this IResourceBuilder<T> builder, int replicas)
        where T : Resource, IResourceWithServiceDiscovery
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 1);
        builder.Resource.Replicas = replicas;
        return builder;
    }
}
