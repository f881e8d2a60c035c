using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

/// <summary>The Npgsql client integration, as Aspire.Npgsql: data source, health check, tracing and metrics.</summary>
public static class NpgsqlExtensions
{
    /// <summary>
    /// Registers an <see cref="NpgsqlDataSource"/> for <c>ConnectionStrings:{connectionName}</c>, a health check that
    /// opens a connection, and Npgsql's traces and metrics.
    /// </summary>
    public static IHostApplicationBuilder AddNpgsqlDataSource(this IHostApplicationBuilder builder, string connectionName,
        Action<NpgsqlDataSourceBuilder>? configureDataSource = null)
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{connectionName} is missing: the AppHost sets ConnectionStrings__{connectionName}; when running alone, set it yourself.");
        }
        builder.Services.AddNpgsqlDataSource(connectionString, dataSource =>
        {
            // Only commands that are part of something (a request, a run) get a span: background loops poll every
            // second, and a trace per poll would drown the traces people look for.
            dataSource.ConfigureTracing(tracing => tracing
                .EnableFirstResponseEvent(false)
                .ConfigureCommandFilter(_ => System.Diagnostics.Activity.Current is not null)
                .ConfigureBatchFilter(_ => System.Diagnostics.Activity.Current is not null));
            configureDataSource?.Invoke(dataSource);
        });
        builder.Services.AddHealthChecks().AddNpgSql(name: $"postgres-{connectionName}", timeout: TimeSpan.FromSeconds(3));
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddNpgsql());
        return builder;
    }
}
