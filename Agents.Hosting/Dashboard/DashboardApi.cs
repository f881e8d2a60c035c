using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Agents.Hosting.Otlp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Agents.Hosting.Dashboard;

/// <summary>One resource instance as the Resources page shows it.</summary>
public sealed record ResourceDto(string Id, string Name, string Type, string State, string? Health, string? StateReason,
    DateTimeOffset? StartTime, DateTimeOffset? StopTime, int? ExitCode, int Restarts, int? Pid, IReadOnlyList<string> Urls);

/// <summary>
/// The JSON and Server-Sent Events API the pages use. Live data (resource states, console lines, "new telemetry")
/// comes as SSE streams, so pages update without reloading.
/// </summary>
internal static class DashboardApi
{
    private static readonly TimeSpan TelemetryTick = TimeSpan.FromMilliseconds(500);

    public static RouteGroupBuilder MapDashboardApi(this IEndpointRouteBuilder app, DashboardSettings settings)
    {
        var api = app.MapGroup("/api").RequireDashboardLogin(settings);

        api.MapGet("/resources", (ResourceNotificationService notifications) =>
            notifications.GetCurrentSnapshots().Select(ToDto));
        api.MapGet("/resources/stream", (ResourceNotificationService notifications, CancellationToken cancellationToken) =>
            TypedResults.ServerSentEvents(WatchResources(notifications, cancellationToken), "resource"));
        api.MapPost("/resources/{id}/commands/{command}", ExecuteCommandAsync);

        api.MapGet("/console/{resource}/stream", (string resource, ResourceLoggerService logs, CancellationToken cancellationToken) =>
            TypedResults.ServerSentEvents(logs.WatchAsync(resource, cancellationToken), "line"));

        api.MapGet("/logs", (TelemetryStore store, string? resource, int? minSeverity, string? text, string? traceId) =>
            store.GetLogs(Empty(resource), minSeverity ?? 0, text, Empty(traceId)));
        api.MapGet("/traces", (TelemetryStore store, string? resource, string? text) => store.GetTraces(Empty(resource), text));
        api.MapGet("/traces/{traceId}", GetTrace);
        api.MapGet("/metrics/instruments", (TelemetryStore store, string? resource) => store.GetInstruments(Empty(resource)));
        api.MapGet("/metrics/points", (TelemetryStore store, string instance, string meter, string name) => store.GetMetricPoints(instance, meter, name));
        api.MapGet("/telemetry/stream", (TelemetryStore store, CancellationToken cancellationToken) =>
            TypedResults.ServerSentEvents(WatchTelemetry(store, cancellationToken), "telemetry"));
        return api;
    }

    private static Results<Ok<IReadOnlyList<TelemetrySpan>>, NotFound> GetTrace(string traceId, TelemetryStore store) =>
        store.GetTrace(traceId) is { Count: > 0 } spans ? TypedResults.Ok(spans) : TypedResults.NotFound();

    private static async Task<Results<Ok<ExecuteCommandResult>, ProblemHttpResult>> ExecuteCommandAsync(
        string id, string command, ResourceCommandService commands, CancellationToken cancellationToken)
    {
        var result = await commands.ExecuteCommandAsync(id, command, cancellationToken);
        return result.Success
            ? TypedResults.Ok(result)
            : TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: $"{command} failed", detail: result.ErrorMessage);
    }

    private static async IAsyncEnumerable<ResourceDto> WatchResources(ResourceNotificationService notifications,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var change in notifications.WatchAsync(cancellationToken))
        {
            yield return ToDto(change);
        }
    }

    /// <summary>A tick (the store's version) whenever telemetry arrived, at most every half second.</summary>
    private static async IAsyncEnumerable<SseItem<long>> WatchTelemetry(TelemetryStore store, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var version = store.Version;
        yield return new SseItem<long>(version, "telemetry");
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await store.WaitForChangeAsync(version, cancellationToken);
                await Task.Delay(TelemetryTick, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
            version = store.Version;
            yield return new SseItem<long>(version, "telemetry");
        }
    }

    private static ResourceDto ToDto(ResourceEvent change)
    {
        var s = change.Snapshot;
        return new ResourceDto(change.ResourceId, change.Resource.Name, s.ResourceType, s.State, s.Health?.ToString(), s.StateReason,
            s.StartTimeStamp, s.StopTimeStamp, s.ExitCode, s.Restarts, s.Pid, s.Urls);
    }

    private static string? Empty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
