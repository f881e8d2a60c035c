using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

/// <summary>The Npgsql client integration, as Aspire.Npgsql: data source, health check, tracing and metrics.</summary>
public static class NpgsqlExtensions
{
    /// <summary>
    /// The most connections a data source keeps open when its connection string does not say (Npgsql's own default
    /// is 100). Npgsql opens a connection whenever none is idle, and hands idle ones out in turn, first in first out:
    /// a burst (100 users joining at once) left the Api with 100 connections and Realtime with 50, each then used once
    /// in 50 or 100 calls, so every statement ran in a backend whose caches were cold: 4.4 ms of the database's CPU
    /// per agent turn at 100 messages/s against 3.1 on ten, and 100 messages/s held instead of 200 (README, "Fewer,
    /// warmer database connections"). A call that finds all ten busy waits for one, which takes less than opening
    /// another (about 23 ms here, most of it the SCRAM sign-in).
    /// </summary>
    public const int DefaultMaxPoolSize = 10;

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
            if (!SetsMaxPoolSize(connectionString))
            {
                // Never under a minimum the connection string asks for (Npgsql refuses a maximum below it).
                var settings = dataSource.ConnectionStringBuilder;
                settings.MaxPoolSize = Math.Max(DefaultMaxPoolSize, settings.MinPoolSize);
            }
            configureDataSource?.Invoke(dataSource);
        });
        builder.Services.AddHealthChecks().AddNpgSql(name: $"postgres-{connectionName}", timeout: TimeSpan.FromSeconds(3));
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddNpgsql());
        return builder;
    }

    /// <summary>Whether the connection string names a pool size itself (under any of Npgsql's names for it).</summary>
    private static bool SetsMaxPoolSize(string connectionString) =>
        new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(key => key.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant())
            .Any(key => key is "MAXIMUMPOOLSIZE" or "MAXPOOLSIZE");
}
