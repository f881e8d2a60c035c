namespace Agents.Hosting.Otlp;

/// <summary>One attribute, its value as text.</summary>
public sealed record TelemetryAttribute(string Key, string Value);

/// <summary>A received span. Ids are lowercase hex, as in <c>traceparent</c>.</summary>
public sealed record TelemetrySpan(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    string Kind,
    string Resource,
    string Instance,
    string Scope,
    DateTimeOffset Start,
    DateTimeOffset End,
    bool IsError,
    string? StatusMessage,
    IReadOnlyList<TelemetryAttribute> Attributes,
    IReadOnlyList<TelemetrySpanEvent> Events,
    IReadOnlyList<TelemetrySpanLink> Links)
{
    public double DurationMs => (End - Start).TotalMilliseconds;
}

/// <summary>Something that happened during a span (an exception, a log...).</summary>
public sealed record TelemetrySpanEvent(string Name, DateTimeOffset Time, IReadOnlyList<TelemetryAttribute> Attributes);

/// <summary>A span this span is linked to (possibly in another trace).</summary>
public sealed record TelemetrySpanLink(string TraceId, string SpanId);

/// <summary>A trace in the list: when, how long, how many spans and errors, which resources took part.</summary>
public sealed record TraceSummary(string TraceId, string RootName, string RootResource, DateTimeOffset Start, double DurationMs,
    int SpanCount, int ErrorCount, IReadOnlyList<string> Resources);

/// <summary>A received log record.</summary>
public sealed record TelemetryLog(
    long Id,
    DateTimeOffset Timestamp,
    string Level,
    int SeverityNumber,
    string Message,
    string Category,
    string Resource,
    string Instance,
    string? TraceId,
    string? SpanId,
    IReadOnlyList<TelemetryAttribute> Attributes);

/// <summary>An instrument of one resource instance, as the metrics page lists it.</summary>
public sealed record InstrumentSummary(string Instance, string Resource, string Meter, string Name, string Description, string Unit, string Type);

/// <summary>One point of an instrument: the sum over its attribute sets (for histograms: the mean and the count).</summary>
public sealed record MetricPoint(DateTimeOffset Time, double Value, long? Count = null);
