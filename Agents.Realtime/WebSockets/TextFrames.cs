using System.Buffers.Binary;

namespace Agents.Realtime.WebSockets;

/// <summary>
/// Server-to-client WebSocket text frames (RFC 6455, section 5.2: FIN set, opcode 1, unmasked, 7-, 16- or 64-bit
/// length), built once per event so that every client of a thread is written the same bytes, and a batch of events is
/// their frames back to back: separate WebSocket messages, one write. Binary frames (opcode 2) the same way, for the
/// hub's MessagePack clients.
/// </summary>
public static class TextFrames
{
    public static byte[] Frame(ReadOnlySpan<byte> utf8Json) => Frame(utf8Json, binary: false);

    public static byte[] Frame(ReadOnlySpan<byte> payload, bool binary)
    {
        var length = payload.Length;
        var headerLength = length < 126 ? 2 : length <= ushort.MaxValue ? 4 : 10;
        var frame = new byte[headerLength + length];
        frame[0] = binary ? (byte)0x82 : (byte)0x81;
        switch (headerLength)
        {
            case 2:
                frame[1] = (byte)length;
                break;
            case 4:
                frame[1] = 126;
                BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)length);
                break;
            default:
                frame[1] = 127;
                BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)length);
                break;
        }
        payload.CopyTo(frame.AsSpan(headerLength));
        return frame;
    }

    public static byte[] Concat(IReadOnlyList<byte[]> frames)
    {
        var all = new byte[frames.Sum(f => f.Length)];
        var at = 0;
        foreach (var frame in frames)
        {
            frame.CopyTo(all, at);
            at += frame.Length;
        }
        return all;
    }
}
