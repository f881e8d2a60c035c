using System.Buffers;
using System.Text.Json;
using MessagePack;
using MessagePack.Formatters;

namespace Agents.Protocol.MessagePack;

/// <summary>
/// Writes a <see cref="JsonElement"/> (an event's payload) as the MessagePack tree of the same JSON: objects as maps
/// with string keys, arrays as arrays, numbers as integers when they are whole, otherwise as doubles. Reading builds
/// the JSON back, so a MessagePack client sees the payload a JSON client sees.
/// </summary>
public sealed class JsonElementFormatter : IMessagePackFormatter<JsonElement>
{
    public static JsonElementFormatter Instance { get; } = new();

    public void Serialize(ref MessagePackWriter writer, JsonElement value, MessagePackSerializerOptions options)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                var count = 0;
                foreach (var _ in value.EnumerateObject())
                {
                    count++;
                }
                writer.WriteMapHeader(count);
                foreach (var property in value.EnumerateObject())
                {
                    writer.Write(property.Name);
                    Serialize(ref writer, property.Value, options);
                }
                break;
            case JsonValueKind.Array:
                writer.WriteArrayHeader(value.GetArrayLength());
                foreach (var item in value.EnumerateArray())
                {
                    Serialize(ref writer, item, options);
                }
                break;
            case JsonValueKind.String:
                writer.Write(value.GetString());
                break;
            case JsonValueKind.Number when value.TryGetInt64(out var whole):
                writer.Write(whole);
                break;
            case JsonValueKind.Number when value.TryGetUInt64(out var large):
                writer.Write(large);
                break;
            case JsonValueKind.Number:
                writer.Write(value.GetDouble());
                break;
            case JsonValueKind.True:
                writer.Write(true);
                break;
            case JsonValueKind.False:
                writer.Write(false);
                break;
            default:
                writer.WriteNil();
                break;
        }
    }

    public JsonElement Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            Copy(ref reader, json, options);
        }
        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    private static void Copy(ref MessagePackReader reader, Utf8JsonWriter json, MessagePackSerializerOptions options)
    {
        // Payloads come from the network: depth is bounded as for any other type (MessagePackSecurity).
        options.Security.DepthStep(ref reader);
        try
        {
            switch (reader.NextMessagePackType)
            {
                case MessagePackType.Map:
                    var properties = reader.ReadMapHeader();
                    json.WriteStartObject();
                    for (var i = 0; i < properties; i++)
                    {
                        json.WritePropertyName(reader.NextMessagePackType == MessagePackType.String
                            ? reader.ReadString()!
                            : Convert.ToString(ReadScalar(ref reader), System.Globalization.CultureInfo.InvariantCulture)!);
                        Copy(ref reader, json, options);
                    }
                    json.WriteEndObject();
                    break;
                case MessagePackType.Array:
                    var items = reader.ReadArrayHeader();
                    json.WriteStartArray();
                    for (var i = 0; i < items; i++)
                    {
                        Copy(ref reader, json, options);
                    }
                    json.WriteEndArray();
                    break;
                default:
                    switch (ReadScalar(ref reader))
                    {
                        case null: json.WriteNullValue(); break;
                        case string text: json.WriteStringValue(text); break;
                        case bool flag: json.WriteBooleanValue(flag); break;
                        case long whole: json.WriteNumberValue(whole); break;
                        case ulong large: json.WriteNumberValue(large); break;
                        case double real: json.WriteNumberValue(real); break;
                        case byte[] bytes: json.WriteBase64StringValue(bytes); break;
                    }
                    break;
            }
        }
        finally
        {
            reader.Depth--;
        }
    }

    private static object? ReadScalar(ref MessagePackReader reader)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                return null;
            case MessagePackType.String:
                return reader.ReadString();
            case MessagePackType.Boolean:
                return reader.ReadBoolean();
            case MessagePackType.Integer:
                // A positive fixint/uint64 above long.MaxValue is the only integer that does not fit a long.
                return reader.NextCode == MessagePackCode.UInt64 ? reader.ReadUInt64() : reader.ReadInt64();
            case MessagePackType.Float:
                return reader.ReadDouble();
            case MessagePackType.Binary:
                return reader.ReadBytes()?.ToArray();
            default:
                throw new MessagePackSerializationException($"A JSON payload cannot hold MessagePack type {reader.NextMessagePackType}.");
        }
    }
}
