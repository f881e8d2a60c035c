namespace Agents.Hosting.Otlp;

/// <summary>
/// How much telemetry the dashboard keeps in memory (<c>Dashboard:TelemetryLimits</c>, as Aspire's); past a limit the
/// oldest entries are dropped first.
/// </summary>
public sealed class TelemetryLimits
{
    public const string SectionName = "Dashboard:TelemetryLimits";

    /// <summary>Structured log records kept, across every resource.</summary>
    public int MaxLogCount { get; set; } = 10_000;

    /// <summary>Traces kept (a trace and all its spans are dropped together).</summary>
    public int MaxTraceCount { get; set; } = 10_000;

    /// <summary>Points kept per instrument of each resource.</summary>
    public int MaxMetricsCount { get; set; } = 10_000;

    /// <summary>Longer attribute values are cut to this many characters.</summary>
    public int MaxAttributeLength { get; set; } = 4_096;

    /// <summary>Spans kept per trace; later spans of a huge trace are dropped.</summary>
    public int MaxSpansPerTrace { get; set; } = 5_000;
}
