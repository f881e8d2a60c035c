using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using Agents.Hosting.Dashboard;
using Agents.Hosting.Otlp.Proto.Collector;
using Agents.Tests.Infrastructure;
using Google.Protobuf;

namespace Agents.Tests.Dashboard;

/// <summary>The OTLP/HTTP protobuf receiver, fed by the services' real OpenTelemetry exporters and by hand-made requests.</summary>
[Collection(DashboardCollection.Name)]
public sealed class OtlpReceiverTests
{
    private readonly DashboardFixture _fixture;

    public OtlpReceiverTests(DashboardFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        fixture.Output = output;
    }

    [Fact]
    public async Task ServicesExportSpansLogsAndMetricsUnderTheirResourceNames()
    {
        // A request through the front door: a span in web (the proxy) and one in api (the handler).
        using var http = new HttpClient { BaseAddress = _fixture.FrontDoor };
        using var response = await http.PostAsJsonAsync("/api/auth/token", new { userName = "otlp-check" }, TestContext.Current.CancellationToken).WithTimeout();
        response.EnsureSuccessStatusCode();

        var trace = await _fixture.WaitForTelemetryAsync(store => store.GetTraces().FirstOrDefault(t =>
            t.Resources.Contains(ResourceNames.Web) && t.Resources.Contains(ResourceNames.Api)
            && store.GetTrace(t.TraceId).Any(s => s.Resource == ResourceNames.Api && s.Name.Contains("/api/auth/token", StringComparison.Ordinal))), "front door -> api trace");
        var spans = _fixture.Telemetry.GetTrace(trace.TraceId);
        var apiSpan = spans.Single(s => s.Resource == ResourceNames.Api && s.Kind == "Server");
        Assert.Equal(ResourceNames.Api, apiSpan.Instance);
        Assert.Contains(apiSpan.Attributes, a => a.Key == "http.request.method" && a.Value == "POST");
        // The api span is a child of web's proxy call: one trace across two processes.
        Assert.Contains(spans, s => s.Resource == ResourceNames.Web && s.SpanId == apiSpan.ParentSpanId);

        var log = await _fixture.WaitForTelemetryAsync(store => store.GetLogs(ResourceNames.Realtime).FirstOrDefault(), "realtime log");
        Assert.Equal(ResourceNames.Realtime, log.Instance);
        Assert.False(string.IsNullOrEmpty(log.Message));

        var instrument = await _fixture.WaitForTelemetryAsync(store => store.GetInstruments(ResourceNames.Api)
            .FirstOrDefault(i => i.Name == "http.server.request.duration"), "api request duration metric");
        Assert.Equal("histogram", instrument.Type);
        var points = _fixture.Telemetry.GetMetricPoints(instrument.Instance, instrument.Meter, instrument.Name);
        Assert.Contains(points, p => p.Count > 0);
        Assert.NotEmpty(_fixture.Telemetry.GetInstruments(ResourceNames.Web));
    }

    [Fact]
    public async Task RealtimeCountsItsConnectionsWhicheverWayTheyCameIn()
    {
        // A hub connection that skips negotiation (taken before the HTTP server, so not in SignalR's own metrics).
        await using var user = await AgentsClient.SignInAsync(_fixture.FrontDoor, $"counted-{Guid.NewGuid():N}"[..20]);
        await user.ConnectAsync();

        var point = await _fixture.WaitForTelemetryAsync(store => store.GetInstruments(ResourceNames.Realtime)
            .Where(i => i.Name == "agents.realtime.connections")
            .SelectMany(i => store.GetMetricPoints(i.Instance, i.Meter, i.Name))
            .LastOrDefault(p => p.Value >= 1), "Realtime's connection count with the connection in it");
        Assert.True(point.Value >= 1);
    }

    [Fact]
    public void ServicesGetTheReceiverAndItsApiKeyInTheOtlpContract()
    {
        foreach (var resource in new[] { ResourceNames.Api, ResourceNames.Realtime, ResourceNames.Web })
        {
            var environment = ProcessInfo.Environment(_fixture.App.PidOf(resource));
            Assert.Equal(_fixture.Settings.OtlpHttpUrl!.GetLeftPart(UriPartial.Authority), environment["OTEL_EXPORTER_OTLP_ENDPOINT"]);
            Assert.Equal("http/protobuf", environment["OTEL_EXPORTER_OTLP_PROTOCOL"]);
            Assert.Equal($"{DashboardSettings.ApiKeyHeader}={_fixture.Settings.OtlpApiKey}", environment["OTEL_EXPORTER_OTLP_HEADERS"]);
            Assert.Equal(resource, environment["OTEL_SERVICE_NAME"]);
        }
    }

    [Fact]
    public async Task ReceiverRefusesMissingKeyWrongContentTypeAndGarbageAndAcceptsGzip()
    {
        using var http = new HttpClient { BaseAddress = _fixture.Settings.OtlpHttpUrl };
        var request = OtlpTestData.Trace("hand-made", "manual span", OtlpTestData.NewTraceId());

        using (var noKey = await http.PostAsync("/v1/traces", OtlpTestData.Protobuf(request.ToByteArray()), TestContext.Current.CancellationToken).WithTimeout())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
            Assert.Equal("application/problem+json", noKey.Content.Headers.ContentType?.MediaType);
        }

        http.DefaultRequestHeaders.Add(DashboardSettings.ApiKeyHeader, _fixture.Settings.OtlpApiKey);
        using (var json = await http.PostAsJsonAsync("/v1/traces", new { resourceSpans = Array.Empty<object>() }, TestContext.Current.CancellationToken).WithTimeout())
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        }
        using (var garbage = await http.PostAsync("/v1/logs", OtlpTestData.Protobuf([0x0a, 0xff, 0xff, 0xff]), TestContext.Current.CancellationToken).WithTimeout())
        {
            Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        }

        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            request.WriteTo(gzip);
        }
        var content = OtlpTestData.Protobuf(compressed.ToArray());
        content.Headers.ContentEncoding.Add("gzip");
        using var accepted = await http.PostAsync("/v1/traces", content, TestContext.Current.CancellationToken).WithTimeout();
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("application/x-protobuf", accepted.Content.Headers.ContentType?.MediaType);
        ExportTraceServiceResponse.Parser.ParseFrom(await accepted.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));

        var traceId = Convert.ToHexStringLower(request.ResourceSpans[0].ScopeSpans[0].Spans[0].TraceId.Span);
        var span = Assert.Single(_fixture.Telemetry.GetTrace(traceId));
        Assert.Equal(("hand-made", "hand-made-7", "manual span", true), (span.Resource, span.Instance, span.Name, span.IsError));
        Assert.Equal(25, span.DurationMs, 3);
        Assert.Contains(span.Attributes, a => a.Key == "agents.thread.id" && a.Value == "t-1");
    }
}
