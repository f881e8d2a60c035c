using System.Net.Http.Headers;
using Agents.Hosting.Dashboard;
using Agents.Hosting.Otlp.Proto.Collector;
using Agents.Hosting.Otlp.Proto.Common;
using Agents.Hosting.Otlp.Proto.Logs;
using Agents.Hosting.Otlp.Proto.Trace;
using Agents.Tests.Infrastructure;
using Google.Protobuf;
using ProtoResource = Agents.Hosting.Otlp.Proto.Resource.Resource;

namespace Agents.Tests.Dashboard;

/// <summary>Hand-made OTLP exports, for what the services' own telemetry does not produce on demand.</summary>
internal static class OtlpTestData
{
    public static ByteString NewTraceId() => ByteString.CopyFrom(Guid.NewGuid().ToByteArray());

    public static ExportTraceServiceRequest Trace(string service, string spanName, ByteString traceId)
    {
        var start = (ulong)(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000);
        var span = new Span
        {
            TraceId = traceId,
            SpanId = ByteString.CopyFrom(BitConverter.GetBytes(Random.Shared.NextInt64())),
            Name = spanName,
            Kind = Span.Types.SpanKind.Internal,
            StartTimeUnixNano = start,
            EndTimeUnixNano = start + 25_000_000,
            Status = new Status { Code = Status.Types.StatusCode.Error, Message = "boom" },
        };
        span.Attributes.Add(new KeyValue { Key = "agents.thread.id", Value = new AnyValue { StringValue = "t-1" } });
        var request = new ExportTraceServiceRequest();
        request.ResourceSpans.Add(new ResourceSpans
        {
            Resource = Resource(service),
            ScopeSpans = { new ScopeSpans { Scope = new InstrumentationScope { Name = "test" }, Spans = { span } } },
        });
        return request;
    }

    public static ExportLogsServiceRequest Log(string service, string message, ByteString traceId)
    {
        var request = new ExportLogsServiceRequest();
        request.ResourceLogs.Add(new ResourceLogs
        {
            Resource = Resource(service),
            ScopeLogs =
            {
                new ScopeLogs
                {
                    Scope = new InstrumentationScope { Name = "Agents.Tests" },
                    LogRecords =
                    {
                        new LogRecord
                        {
                            TimeUnixNano = (ulong)(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000),
                            SeverityNumber = SeverityNumber.Warn,
                            Body = new AnyValue { StringValue = message },
                            TraceId = traceId,
                        },
                    },
                },
            },
        });
        return request;
    }

    /// <summary>Posts a message to the fixture's receiver with its API key, as an exporter would.</summary>
    public static async Task PostAsync(DashboardSettings settings, string path, IMessage message)
    {
        using var http = new HttpClient { BaseAddress = settings.OtlpHttpUrl };
        http.DefaultRequestHeaders.Add(DashboardSettings.ApiKeyHeader, settings.OtlpApiKey);
        using var content = Protobuf(message.ToByteArray());
        using var response = await http.PostAsync(path, content, TestContext.Current.CancellationToken).WithTimeout();
        response.EnsureSuccessStatusCode();
    }

    public static ByteArrayContent Protobuf(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        return content;
    }

    private static ProtoResource Resource(string service) => new()
    {
        Attributes =
        {
            new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = service } },
            new KeyValue { Key = "service.instance.id", Value = new AnyValue { StringValue = $"{service}-7" } },
        },
    };
}
