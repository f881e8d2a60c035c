using MessagePack;
using MessagePack.Resolvers;

namespace Agents.Protocol.MessagePack;

/// <summary>
/// The hub's MessagePack serializer settings, for the server and for .NET clients alike: SignalR's defaults
/// (enums as strings, contractless objects, untrusted-data limits) plus payloads as MessagePack trees.
/// </summary>
public static class ProtocolMessagePack
{
    public static MessagePackSerializerOptions Options { get; } = MessagePackSerializerOptions.Standard
        .WithResolver(CompositeResolver.Create(
            [JsonElementFormatter.Instance],
            [DynamicEnumAsStringResolver.Instance, ContractlessStandardResolver.Instance]))
        .WithSecurity(MessagePackSecurity.UntrustedData);
}
