using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Agents.Api.Database;

/// <summary>Whether this process has brought the schema up to date.</summary>
internal sealed class MigrationState
{
    private volatile string? _lastError;
    private volatile bool _applied;

    public bool IsApplied => _applied;

    public string? LastError => _lastError;

    public void MarkApplied(IReadOnlyList<string> scripts)
    {
        _lastError = null;
        _applied = true;
    }

    public void MarkFailed(string error) => _lastError = error;
}

/// <summary>Unhealthy until the migrations are applied, so nothing talks to a half-made schema.</summary>
internal sealed class MigrationHealthCheck(MigrationState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(state.IsApplied
            ? HealthCheckResult.Healthy("schema up to date")
            : HealthCheckResult.Unhealthy(state.LastError is { } error ? $"migrations failed, retrying: {error}" : "applying migrations"));
}
