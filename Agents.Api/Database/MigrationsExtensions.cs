namespace Agents.Api.Database;

public static class MigrationsExtensions
{
    /// <summary>
    /// Applies the versioned SQL migrations in Database/Migrations at start, in the background; the Api reports
    /// unhealthy (so the AppHost holds back its dependents) until they are applied.
    /// </summary>
    public static IHostApplicationBuilder AddDatabaseMigrations(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<MigrationState>();
        builder.Services.AddHostedService<DatabaseMigrator>();
        builder.Services.AddHealthChecks().AddCheck<MigrationHealthCheck>("migrations");
        return builder;
    }
}
