using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Agents.Hosting.Dashboard;
using Agents.Hosting.Otlp.Proto.Collector;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Agents.Hosting.Otlp;

/// <summary>
/// OTLP/HTTP with protobuf bodies (what the OpenTelemetry exporter sends with <c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>):
/// <c>POST /v1/traces</c>, <c>/v1/logs</c>, <c>/v1/metrics</c>, gzip bodies too.
/// </summary>
internal static class OtlpReceiver
{
    private const string ProtobufContentType = "application/x-protobuf";
    private const int MaxBodyBytes = 32 * 1024 * 1024;

    public static RouteGroupBuilder MapOtlpReceiver(this IEndpointRouteBuilder app, DashboardSettings settings)
    {
        var group = app.MapGroup("/v1").AllowAnonymous();
        group.AddEndpointFilter(async (context, next) =>
            HasValidKey(context.HttpContext.Request, settings)
                ? await next(context)
                : Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "OTLP API key missing or wrong",
                    detail: $"Send the key in the {DashboardSettings.ApiKeyHeader} header."));

        group.MapPost("/traces", (HttpRequest request, TelemetryStore store, CancellationToken cancellationToken) =>
            ReceiveAsync(request, ExportTraceServiceRequest.Parser, store.AddTraces, new ExportTraceServiceResponse(), cancellationToken));
        group.MapPost("/logs", (HttpRequest request, TelemetryStore store, CancellationToken cancellationToken) =>
            ReceiveAsync(request, ExportLogsServiceRequest.Parser, store.AddLogs, new ExportLogsServiceResponse(), cancellationToken));
        group.MapPost("/metrics", (HttpRequest request, TelemetryStore store, CancellationToken cancellationToken) =>
            ReceiveAsync(request, ExportMetricsServiceRequest.Parser, store.AddMetrics, new ExportMetricsServiceResponse(), cancellationToken));
        return group;
    }

    private static async Task<IResult> ReceiveAsync<TRequest>(HttpRequest request, MessageParser<TRequest> parser, Action<TRequest> store,
        IMessage response, CancellationToken cancellationToken) where TRequest : IMessage<TRequest>
    {
        if (request.ContentType?.Split(';')[0].Trim() != ProtobufContentType)
        {
            return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported content type",
                detail: $"Send OTLP as {ProtobufContentType} (OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf); '{request.ContentType}' is not supported.");
        }
        TRequest message;
        try
        {
            message = parser.ParseFrom(await ReadBodyAsync(request, cancellationToken));
        }
        catch (InvalidDataException e)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Unreadable body", detail: e.Message);
        }
        catch (InvalidProtocolBufferException e)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Not an OTLP protobuf message", detail: e.Message);
        }
        store(message);
        return Results.Bytes(response.ToByteArray(), ProtobufContentType);
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var encoding = request.Headers.ContentEncoding.ToString();
        await using var gzip = encoding switch
        {
            "" or "identity" => null,
            "gzip" => new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true),
            _ => throw new InvalidDataException($"Content-Encoding '{encoding}' is not supported; use gzip or none."),
        };
        var body = gzip ?? request.Body;
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                throw new InvalidDataException($"The body is larger than {MaxBodyBytes} bytes.");
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static bool HasValidKey(HttpRequest request, DashboardSettings settings)
    {
        if (settings.OtlpApiKey is null)
        {
            return true;
        }
        var given = Encoding.UTF8.GetBytes(request.Headers[DashboardSettings.ApiKeyHeader].ToString());
        return CryptographicOperations.FixedTimeEquals(given, Encoding.UTF8.GetBytes(settings.OtlpApiKey))
            || settings.OtlpSecondaryApiKey is { } secondary && CryptographicOperations.FixedTimeEquals(given, Encoding.UTF8.GetBytes(secondary));
    }
}
