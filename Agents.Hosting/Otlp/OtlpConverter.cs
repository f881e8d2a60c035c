using System.Globalization;
using Agents.Hosting.Otlp.Proto.Common;
using Google.Protobuf;
using Google.Protobuf.Collections;
using ProtoResource = Agents.Hosting.Otlp.Proto.Resource.Resource;

namespace Agents.Hosting.Otlp;

/// <summary>Turns OTLP protobuf values into the dashboard's plain records.</summary>
internal static class OtlpConverter
{
    public static (string Resource, string Instance) Identify(ProtoResource? resource)
    {
        string? name = null, instance = null;
        foreach (var attribute in resource?.Attributes ?? [])
        {
            switch (attribute.Key)
            {
                case "service.name":
                    name = attribute.Value?.StringValue;
                    break;
                case "service.instance.id":
                    instance = attribute.Value?.StringValue;
                    break;
            }
        }
        name = string.IsNullOrEmpty(name) ? "unknown" : name;
        return (name, string.IsNullOrEmpty(instance) ? name : instance);
    }

    public static List<TelemetryAttribute> Attributes(RepeatedField<KeyValue> attributes, int maxLength) =>
        [.. attributes.Select(a => new TelemetryAttribute(a.Key, Cut(ToText(a.Value), maxLength)))];

    public static string ToText(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.ArrayValue => "[" + string.Join(", ", value.ArrayValue.Values.Select(ToText)) + "]",
        AnyValue.ValueOneofCase.KvlistValue => "{" + string.Join(", ", value.KvlistValue.Values.Select(kv => $"{kv.Key}: {ToText(kv.Value)}")) + "}",
        AnyValue.ValueOneofCase.BytesValue => Convert.ToBase64String(value.BytesValue.Span),
        _ => "",
    };

    public static string? Hex(ByteString bytes) => bytes.IsEmpty ? null : Convert.ToHexStringLower(bytes.Span);

    public static DateTimeOffset Time(ulong unixNanos) =>
        DateTimeOffset.UnixEpoch.AddTicks((long)(unixNanos / (ulong)TimeSpan.NanosecondsPerTick));

    /// <summary>The .NET names of log levels, from OTLP severity numbers (1-4 trace, 5-8 debug, ...).</summary>
    public static string Level(int severityNumber) => severityNumber switch
    {
        <= 0 => "Unspecified",
        <= 4 => "Trace",
        <= 8 => "Debug",
        <= 12 => "Information",
        <= 16 => "Warning",
        <= 20 => "Error",
        _ => "Critical",
    };

    private static string Cut(string text, int maxLength) => text.Length <= maxLength ? text : text[..maxLength];
}
