using Agents.Hosting.Otlp;
using Agents.Hosting.Otlp.Proto.Collector;
using Agents.Hosting.Otlp.Proto.Common;
using Agents.Hosting.Otlp.Proto.Logs;
using Agents.Hosting.Otlp.Proto.Metrics;
using Agents.Hosting.Otlp.Proto.Trace;
using Google.Protobuf;
using ProtoResource = Agents.Hosting.Otlp.Proto.Resource.Resource;

namespace Agents.Tests.Dashboard;

/// <summary>The stores' bounds and conversions (pure logic, no server).</summary>
public sealed class TelemetryStoreTests
{
    [Fact]
    public void OldestTraceIsDroppedFirstWithAllItsSpans()
    {
        var store = new TelemetryStore(new TelemetryLimits { MaxTraceCount = 2 });
        store.AddTraces(Spans(("a", "1", null), ("a", "2", "1"), ("b", "3", null)));
        store.AddTraces(Spans(("c", "4", null)));

        Assert.Empty(store.GetTrace(Hex("a")));
        Assert.Equal(["c", "b"], store.GetTraces().Select(t => t.RootName));
        // A late span of a kept trace joins it rather than starting a new one.
        store.AddTraces(Spans(("b", "5", "3")));
        Assert.Equal(2, store.GetTrace(Hex("b")).Count);
        Assert.Equal(2, store.GetTraces().Count);
    }

    [Fact]
    public void LogsKeepTheNewestAndFilterByLevelTextAndTrace()
    {
        var store = new TelemetryStore(new TelemetryLimits { MaxLogCount = 3 });
        var request = new ExportLogsServiceRequest();
        var scope = new ScopeLogs { Scope = new InstrumentationScope { Name = "Agents.Api.Runs" } };
        for (var i = 1; i <= 5; i++)
        {
            scope.LogRecords.Add(new LogRecord
            {
                TimeUnixNano = (ulong)i * 1_000_000,
                SeverityNumber = i == 5 ? SeverityNumber.Error : SeverityNumber.Info,
                Body = new AnyValue { StringValue = $"line {i}" },
                TraceId = i == 4 ? ByteString.CopyFrom(Convert.FromHexString(Hex("t"))) : ByteString.Empty,
            });
        }
        request.ResourceLogs.Add(new ResourceLogs { Resource = Resource("api", "api"), ScopeLogs = { scope } });
        store.AddLogs(request);

        Assert.Equal(["line 3", "line 4", "line 5"], store.GetLogs().Select(l => l.Message));
        Assert.Equal("Error", Assert.Single(store.GetLogs(minSeverity: 17)).Level);
        Assert.Equal("line 4", Assert.Single(store.GetLogs(traceId: Hex("t"))).Message);
        Assert.Equal("line 3", Assert.Single(store.GetLogs(resource: "api", text: "LINE 3")).Message);
        Assert.Empty(store.GetLogs(resource: "web"));
    }

    [Fact]
    public void MetricPointsAreBoundedPerInstrumentAndHistogramsGiveTheirMean()
    {
        var store = new TelemetryStore(new TelemetryLimits { MaxMetricsCount = 2 });
        for (var i = 1; i <= 3; i++)
        {
            var histogram = new Histogram();
            histogram.DataPoints.Add(new HistogramDataPoint { TimeUnixNano = (ulong)i, Count = 2, Sum = 10 * i });
            histogram.DataPoints.Add(new HistogramDataPoint { TimeUnixNano = (ulong)i, Count = 2, Sum = 10 * i });
            var metric = new Metric { Name = "http.server.request.duration", Unit = "s", Histogram = histogram };
            var request = new ExportMetricsServiceRequest();
            request.ResourceMetrics.Add(new ResourceMetrics
            {
                Resource = Resource("realtime", "realtime-1"),
                ScopeMetrics = { new ScopeMetrics { Scope = new InstrumentationScope { Name = "Microsoft.AspNetCore.Hosting" }, Metrics = { metric } } },
            });
            store.AddMetrics(request);
        }

        var instrument = Assert.Single(store.GetInstruments("realtime"));
        Assert.Equal(("realtime-1", "histogram"), (instrument.Instance, instrument.Type));
        var points = store.GetMetricPoints("realtime-1", "Microsoft.AspNetCore.Hosting", "http.server.request.duration");
        Assert.Equal([10.0, 15.0], points.Select(p => p.Value));
        Assert.All(points, p => Assert.Equal(4, p.Count));
    }

    private static string Hex(string name) => Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(name)));

    private static ProtoResource Resource(string name, string instance) => new()
    {
        Attributes =
        {
            new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = name } },
            new KeyValue { Key = "service.instance.id", Value = new AnyValue { StringValue = instance } },
        },
    };

    /// <summary>Spans named after their trace ("a") with their own and parent ids.</summary>
    private static ExportTraceServiceRequest Spans(params (string Trace, string Id, string? Parent)[] spans)
    {
        var scope = new ScopeSpans();
        foreach (var (trace, id, parent) in spans)
        {
            scope.Spans.Add(new Span
            {
                TraceId = ByteString.CopyFrom(Convert.FromHexString(Hex(trace))),
                SpanId = ByteString.CopyFrom(Convert.FromHexString(Hex(id))[..8]),
                ParentSpanId = parent is null ? ByteString.Empty : ByteString.CopyFrom(Convert.FromHexString(Hex(parent))[..8]),
                Name = trace,
                StartTimeUnixNano = 1_000,
                EndTimeUnixNano = 2_000,
            });
        }
        var request = new ExportTraceServiceRequest();
        request.ResourceSpans.Add(new ResourceSpans { Resource = Resource("api", "api"), ScopeSpans = { scope } });
        return request;
    }
}
