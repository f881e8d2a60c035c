using Agents.Hosting.Otlp.Proto.Collector;
using Agents.Hosting.Otlp.Proto.Metrics;
using Agents.Hosting.Otlp.Proto.Trace;

namespace Agents.Hosting.Otlp;

/// <summary>
/// The telemetry the dashboard received, in memory and bounded by <see cref="TelemetryLimits"/> (oldest dropped first).
/// Readers get copies; <see cref="WaitForChangeAsync"/> lets pages update live.
/// </summary>
public sealed class TelemetryStore(TelemetryLimits limits)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<TelemetrySpan>> _traces = new(StringComparer.Ordinal);
    private readonly Queue<string> _traceOrder = new();
    private readonly Queue<TelemetryLog> _logs = new();
    private readonly Dictionary<(string Instance, string Meter, string Name), Instrument> _instruments = [];
    private long _nextLogId;
    private long _version;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TelemetryLimits Limits => limits;

    /// <summary>Grows by one with every export stored.</summary>
    public long Version => Interlocked.Read(ref _version);

    public void AddTraces(ExportTraceServiceRequest request)
    {
        lock (_gate)
        {
            foreach (var resourceSpans in request.ResourceSpans)
            {
                var (resource, instance) = OtlpConverter.Identify(resourceSpans.Resource);
                foreach (var scopeSpans in resourceSpans.ScopeSpans)
                {
                    foreach (var span in scopeSpans.Spans)
                    {
                        AddSpan(ToSpan(span, resource, instance, scopeSpans.Scope?.Name ?? ""));
                    }
                }
            }
        }
        Changed();
    }

    public void AddLogs(ExportLogsServiceRequest request)
    {
        lock (_gate)
        {
            foreach (var resourceLogs in request.ResourceLogs)
            {
                var (resource, instance) = OtlpConverter.Identify(resourceLogs.Resource);
                foreach (var scopeLogs in resourceLogs.ScopeLogs)
                {
                    foreach (var record in scopeLogs.LogRecords)
                    {
                        var severity = (int)record.SeverityNumber;
                        var time = record.TimeUnixNano != 0 ? record.TimeUnixNano : record.ObservedTimeUnixNano;
                        _logs.Enqueue(new TelemetryLog(++_nextLogId, OtlpConverter.Time(time), OtlpConverter.Level(severity), severity,
                            OtlpConverter.ToText(record.Body), scopeLogs.Scope?.Name ?? "", resource, instance,
                            OtlpConverter.Hex(record.TraceId), OtlpConverter.Hex(record.SpanId),
                            OtlpConverter.Attributes(record.Attributes, limits.MaxAttributeLength)));
                        while (_logs.Count > limits.MaxLogCount)
                        {
                            _logs.Dequeue();
                        }
                    }
                }
            }
        }
        Changed();
    }

    public void AddMetrics(ExportMetricsServiceRequest request)
    {
        lock (_gate)
        {
            foreach (var resourceMetrics in request.ResourceMetrics)
            {
                var (resource, instance) = OtlpConverter.Identify(resourceMetrics.Resource);
                foreach (var scopeMetrics in resourceMetrics.ScopeMetrics)
                {
                    var meter = scopeMetrics.Scope?.Name ?? "";
                    foreach (var metric in scopeMetrics.Metrics)
                    {
                        if (ToPoint(metric) is not { } point)
                        {
                            continue;
                        }
                        var key = (instance, meter, metric.Name);
                        if (!_instruments.TryGetValue(key, out var instrument))
                        {
                            instrument = new Instrument(new InstrumentSummary(instance, resource, meter, metric.Name, metric.Description, metric.Unit,
                                metric.DataCase.ToString().ToLowerInvariant()));
                            _instruments[key] = instrument;
                        }
                        instrument.Points.Enqueue(point);
                        while (instrument.Points.Count > limits.MaxMetricsCount)
                        {
                            instrument.Points.Dequeue();
                        }
                    }
                }
            }
        }
        Changed();
    }

    /// <summary>The newest traces first, optionally only those a resource took part in or whose spans match a text.</summary>
    public IReadOnlyList<TraceSummary> GetTraces(string? resource = null, string? text = null, int limit = 200)
    {
        lock (_gate)
        {
            return [.. _traceOrder.Reverse()
                .Select(id => _traces[id])
                .Where(spans => resource is null || spans.Any(s => s.Resource == resource || s.Instance == resource))
                .Where(spans => string.IsNullOrEmpty(text) || spans.Any(s => s.Name.Contains(text, StringComparison.OrdinalIgnoreCase)))
                .Take(limit)
                .Select(Summarize)];
        }
    }

    /// <summary>Every span of a trace, in start order; empty when the trace is unknown (or was dropped).</summary>
    public IReadOnlyList<TelemetrySpan> GetTrace(string traceId)
    {
        lock (_gate)
        {
            return _traces.TryGetValue(traceId, out var spans) ? [.. spans.OrderBy(s => s.Start)] : [];
        }
    }

    /// <summary>Log records, newest last, filtered by resource (name or instance), minimum level, text and trace.</summary>
    public IReadOnlyList<TelemetryLog> GetLogs(string? resource = null, int minSeverity = 0, string? text = null, string? traceId = null, int limit = 1000)
    {
        lock (_gate)
        {
            return [.. _logs
                .Where(l => resource is null || l.Resource == resource || l.Instance == resource)
                .Where(l => l.SeverityNumber >= minSeverity)
                .Where(l => traceId is null || l.TraceId == traceId)
                .Where(l => string.IsNullOrEmpty(text) || l.Message.Contains(text, StringComparison.OrdinalIgnoreCase)
                    || l.Category.Contains(text, StringComparison.OrdinalIgnoreCase))
                .TakeLast(limit)];
        }
    }

    public IReadOnlyList<InstrumentSummary> GetInstruments(string? instance = null)
    {
        lock (_gate)
        {
            return [.. _instruments.Values.Select(i => i.Summary)
                .Where(i => instance is null || i.Instance == instance || i.Resource == instance)
                .OrderBy(i => i.Instance, StringComparer.Ordinal).ThenBy(i => i.Meter, StringComparer.Ordinal).ThenBy(i => i.Name, StringComparer.Ordinal)];
        }
    }

    public IReadOnlyList<MetricPoint> GetMetricPoints(string instance, string meter, string name)
    {
        lock (_gate)
        {
            return _instruments.TryGetValue((instance, meter, name), out var instrument) ? [.. instrument.Points] : [];
        }
    }

    /// <summary>Completes when something newer than <paramref name="version"/> was stored.</summary>
    public Task WaitForChangeAsync(long version, CancellationToken cancellationToken)
    {
        Task changed;
        lock (_gate)
        {
            if (_version != version)
            {
                return Task.CompletedTask;
            }
            changed = _changed.Task;
        }
        return changed.WaitAsync(cancellationToken);
    }

    private void AddSpan(TelemetrySpan span)
    {
        if (!_traces.TryGetValue(span.TraceId, out var spans))
        {
            spans = [];
            _traces[span.TraceId] = spans;
            _traceOrder.Enqueue(span.TraceId);
            while (_traceOrder.Count > limits.MaxTraceCount)
            {
                _traces.Remove(_traceOrder.Dequeue());
            }
        }
        if (spans.Count < limits.MaxSpansPerTrace)
        {
            spans.Add(span);
        }
    }

    private TelemetrySpan ToSpan(Span span, string resource, string instance, string scope) => new(
        OtlpConverter.Hex(span.TraceId) ?? "",
        OtlpConverter.Hex(span.SpanId) ?? "",
        OtlpConverter.Hex(span.ParentSpanId),
        span.Name,
        span.Kind switch
        {
            Span.Types.SpanKind.Server => "Server",
            Span.Types.SpanKind.Client => "Client",
            Span.Types.SpanKind.Producer => "Producer",
            Span.Types.SpanKind.Consumer => "Consumer",
            _ => "Internal",
        },
        resource,
        instance,
        scope,
        OtlpConverter.Time(span.StartTimeUnixNano),
        OtlpConverter.Time(Math.Max(span.EndTimeUnixNano, span.StartTimeUnixNano)),
        span.Status?.Code == Status.Types.StatusCode.Error,
        string.IsNullOrEmpty(span.Status?.Message) ? null : span.Status.Message,
        OtlpConverter.Attributes(span.Attributes, limits.MaxAttributeLength),
        [.. span.Events.Select(e => new TelemetrySpanEvent(e.Name, OtlpConverter.Time(e.TimeUnixNano), OtlpConverter.Attributes(e.Attributes, limits.MaxAttributeLength)))],
        [.. span.Links.Select(l => new TelemetrySpanLink(OtlpConverter.Hex(l.TraceId) ?? "", OtlpConverter.Hex(l.SpanId) ?? ""))]);

    private static TraceSummary Summarize(List<TelemetrySpan> spans)
    {
        var ids = spans.Select(s => s.SpanId).ToHashSet(StringComparer.Ordinal);
        // The root: a span without a parent, else (its parent not received yet) the earliest one.
        var root = spans.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)).MinBy(s => s.Start) ?? spans[0];
        var start = spans.Min(s => s.Start);
        var end = spans.Max(s => s.End);
        return new TraceSummary(root.TraceId, root.Name, root.Resource, start, (end - start).TotalMilliseconds, spans.Count,
            spans.Count(s => s.IsError), [.. spans.Select(s => s.Resource).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]);
    }

    private static MetricPoint? ToPoint(Metric metric)
    {
        switch (metric.DataCase)
        {
            case Metric.DataOneofCase.Gauge when metric.Gauge.DataPoints.Count > 0:
                return new MetricPoint(OtlpConverter.Time(metric.Gauge.DataPoints.Max(p => p.TimeUnixNano)), metric.Gauge.DataPoints.Sum(Value));
            case Metric.DataOneofCase.Sum when metric.Sum.DataPoints.Count > 0:
                return new MetricPoint(OtlpConverter.Time(metric.Sum.DataPoints.Max(p => p.TimeUnixNano)), metric.Sum.DataPoints.Sum(Value));
            case Metric.DataOneofCase.Histogram when metric.Histogram.DataPoints.Count > 0:
                var points = metric.Histogram.DataPoints;
                var count = points.Sum(p => (long)p.Count);
                var sum = points.Sum(p => p.HasSum ? p.Sum : 0);
                return new MetricPoint(OtlpConverter.Time(points.Max(p => p.TimeUnixNano)), count == 0 ? 0 : sum / count, count);
            default:
                return null;
        }
    }

    private static double Value(NumberDataPoint point) =>
        point.ValueCase == NumberDataPoint.ValueOneofCase.AsInt ? point.AsInt : point.AsDouble;

    private void Changed()
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _version++;
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    private sealed class Instrument(InstrumentSummary summary)
    {
        public InstrumentSummary Summary { get; } = summary;
        public Queue<MetricPoint> Points { get; } = new();
    }
}
