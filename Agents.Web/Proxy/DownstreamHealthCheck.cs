using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Agents.Web.Proxy;

/// <summary>Healthy while a service behind the front door answers its liveness endpoint.</summary>
internal sealed class DownstreamHealthCheck(IHttpClientFactory httpClientFactory, string serviceUrl) : IHealthCheck
{
    public const string HttpClientName = "downstream-health";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var client = httpClientFactory.CreateClient(HttpClientName);
        try
        {
            using var response = await client.GetAsync(new Uri($"{serviceUrl}/alive"), cancellationToken);
            return response.IsSuccessStatusCode
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"{serviceUrl}/alive answered {(int)response.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy($"{serviceUrl} is unreachable: {e.Message}");
        }
    }
}
