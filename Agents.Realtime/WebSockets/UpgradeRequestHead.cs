using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Agents.Realtime.WebSockets;

/// <summary>
/// The head of a connection's first request when it is a plain WebSocket upgrade to /ws or to the hub (one that skipped
/// negotiation: SignalR's negotiated connections carry an <c>id</c> and belong to the HTTP server), as
/// <see cref="DirectWebSockets"/> takes it. Strict on purpose: anything unusual (another path or version, a body, a
/// subprotocol, a repeated or folded header, a byte outside visible ASCII) is <see cref="HeadState.NotOurs"/> and goes to
/// Kestrel's HTTP server as it is, which answers it as it always has. So this only ever accepts requests Kestrel would
/// accept too.
/// </summary>
public sealed record UpgradeRequestHead(string Path, string Query, string Key, string? Authorization, string? TraceParent, string? TraceState)
{
    /// <summary>The paths taken: /ws and the hub's.</summary>
    private static readonly string[] Paths = [WebSocketEndpoint.Path, AgentHub.Path];

    private static readonly byte[][] PathBytes = [.. Paths.Select(Encoding.ASCII.GetBytes)];

    private static ReadOnlySpan<byte> Get => "GET "u8;

    /// <summary>True for an upgrade to the hub rather than to /ws.</summary>
    public bool IsHub => Path == AgentHub.Path;

    private static ReadOnlySpan<byte> EndOfHead => "\r\n\r\n"u8;

    private static ReadOnlySpan<byte> Version => " HTTP/1.1"u8;

    /// <summary>
    /// Reads a request head from the start of <paramref name="received"/> without consuming it. <paramref name="headLength"/>
    /// is the head's length (blank line included) when the head is ours.
    /// </summary>
    public static HeadState TryRead(ReadOnlySequence<byte> received, int maxHeadBytes, int maxHeaders, out UpgradeRequestHead? head, out long headLength)
    {
        head = null;
        headLength = 0;
        if (!StartsLikeOurs(received))
        {
            return HeadState.NotOurs;
        }
        var reader = new SequenceReader<byte>(received);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> lines, EndOfHead, advancePastDelimiter: true))
        {
            // Too long, or lines that end in a bare LF (the head would never end in CRLF CRLF): Kestrel's to answer.
            return received.Length > maxHeadBytes || HasBareLineFeed(received) ? HeadState.NotOurs : HeadState.NeedMore;
        }
        if (reader.Consumed > maxHeadBytes)
        {
            return HeadState.NotOurs;
        }
        headLength = reader.Consumed;
        var text = lines.IsSingleSegment ? lines.FirstSpan : lines.ToArray();
        head = Parse(text, maxHeaders);
        return head is null ? HeadState.NotOurs : HeadState.Ours;
    }

    /// <summary>False as soon as what arrived cannot start "GET /ws" or "GET /hubs/agent".</summary>
    private static bool StartsLikeOurs(ReadOnlySequence<byte> received)
    {
        Span<byte> start = stackalloc byte[32];
        var length = (int)Math.Min(received.Length, start.Length);
        received.Slice(0, length).CopyTo(start);
        var method = Math.Min(length, Get.Length);
        if (!start[..method].SequenceEqual(Get[..method]))
        {
            return false;
        }
        var target = start[method..length];
        foreach (var path in PathBytes)
        {
            var compared = Math.Min(target.Length, path.Length);
            if (target[..compared].SequenceEqual(path.AsSpan(0, compared)))
            {
                return true;
            }
        }
        return false;
    }

    private static UpgradeRequestHead? Parse(ReadOnlySpan<byte> text, int maxHeaders)
    {
        var lineEnd = text.IndexOf("\r\n"u8);
        var requestLine = lineEnd < 0 ? text : text[..lineEnd];
        if (!requestLine.StartsWith(Get) || !requestLine.EndsWith(Version))
        {
            return null;
        }
        var target = requestLine[Get.Length..^Version.Length];
        string? path = null;
        var query = "";
        for (var i = 0; i < Paths.Length && path is null; i++)
        {
            if (target.StartsWith(PathBytes[i]) && IsTarget(target[PathBytes[i].Length..], out query))
            {
                path = Paths[i];
            }
        }
        if (path is null || (path == AgentHub.Path && IsNegotiated(query)))
        {
            return null;
        }
        string? host = null, upgrade = null, connection = null, key = null, version = null, authorization = null, traceParent = null, traceState = null;
        var headers = 0;
        var rest = lineEnd < 0 ? [] : text[(lineEnd + 2)..];
        while (!rest.IsEmpty)
        {
            lineEnd = rest.IndexOf("\r\n"u8);
            var line = lineEnd < 0 ? rest : rest[..lineEnd];
            rest = lineEnd < 0 ? [] : rest[(lineEnd + 2)..];
            var colon = line.IndexOf((byte)':');
            if (++headers > maxHeaders || colon <= 0 || !IsToken(line[..colon]) || !IsFieldValue(line[(colon + 1)..]))
            {
                return null;
            }
            var value = Encoding.ASCII.GetString(line[(colon + 1)..]).Trim(' ', '\t');
            var known = Encoding.ASCII.GetString(line[..colon]).ToLowerInvariant() switch
            {
                // A body, or a subprotocol to negotiate: Kestrel's path.
                "content-length" or "transfer-encoding" or "sec-websocket-protocol" => false,
                "host" => Once(ref host, value),
                "upgrade" => Once(ref upgrade, value),
                "connection" => Once(ref connection, value),
                "sec-websocket-key" => Once(ref key, value),
                "sec-websocket-version" => Once(ref version, value),
                "authorization" => Once(ref authorization, value),
                "traceparent" => Once(ref traceParent, value),
                "tracestate" => Once(ref traceState, value),
                _ => true,
            };
            if (!known)
            {
                return null;
            }
        }
        var isUpgrade = host is { Length: > 0 } && host.All(IsHostChar)
            && string.Equals(upgrade, "websocket", StringComparison.OrdinalIgnoreCase)
            && connection is not null && connection.Split(',').Any(t => t.Trim().Equals("upgrade", StringComparison.OrdinalIgnoreCase))
            && version == "13"
            && key is not null && IsNonce(key);
        return isUpgrade ? new UpgradeRequestHead(path, query, key!, authorization, traceParent, traceState) : null;
    }

    private static bool HasBareLineFeed(ReadOnlySequence<byte> received)
    {
        var previous = (byte)0;
        foreach (var segment in received)
        {
            foreach (var b in segment.Span)
            {
                if (b == (byte)'\n' && previous != (byte)'\r')
                {
                    return true;
                }
                previous = b;
            }
        }
        return false;
    }

    /// <summary>False when the header was already given (a repeated header is Kestrel's to judge).</summary>
    private static bool Once(ref string? header, string value)
    {
        if (header is not null)
        {
            return false;
        }
        header = value;
        return true;
    }

    /// <summary>A hub connection that went through negotiate names it in <c>id</c>: SignalR's HTTP layer holds its state.</summary>
    private static bool IsNegotiated(string query) => QueryHelpers.ParseQuery(query).ContainsKey("id");

    /// <summary>The path itself, or "path?query" with the query in visible ASCII; <paramref name="query"/> keeps its "?".</summary>
    private static bool IsTarget(ReadOnlySpan<byte> afterPath, out string query)
    {
        query = "";
        if (afterPath.IsEmpty)
        {
            return true;
        }
        if (afterPath[0] != (byte)'?' || afterPath.ContainsAnyExceptInRange((byte)0x21, (byte)0x7e))
        {
            return false;
        }
        query = Encoding.ASCII.GetString(afterPath);
        return true;
    }

    private static bool IsToken(ReadOnlySpan<byte> name) => name.IndexOfAnyExcept(TokenChars) < 0;

    private static bool IsFieldValue(ReadOnlySpan<byte> value) => value.IndexOfAnyExcept(FieldValueChars) < 0;

    private static bool IsHostChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':' or '[' or ']' or '_';

    /// <summary>The client's nonce: 16 bytes in base64 (RFC 6455, section 4.1).</summary>
    private static bool IsNonce(string key)
    {
        Span<byte> nonce = stackalloc byte[18];
        return key.Length == 24 && Convert.TryFromBase64String(key, nonce, out var length) && length == 16;
    }

    // RFC 9110, section 5.6.2: a header name's characters.
    private static readonly SearchValues<byte> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    // Visible ASCII, space and tab: no obs-text, no control characters.
    private static readonly SearchValues<byte> FieldValueChars = SearchValues.Create(
        Enumerable.Range(0x20, 0x7f - 0x20).Select(b => (byte)b).Append((byte)'\t').ToArray());
}

public enum HeadState
{
    /// <summary>The head is not all here yet.</summary>
    NeedMore,

    /// <summary>Not a plain upgrade to /ws or the hub: Kestrel's HTTP server takes the connection.</summary>
    NotOurs,

    /// <summary>An upgrade to /ws or the hub, read whole.</summary>
    Ours,
}
