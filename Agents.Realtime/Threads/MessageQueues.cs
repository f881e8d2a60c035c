using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Agents.Realtime.Threads;

/// <summary>A connection's queue of messages to a thread (<see cref="OutgoingMessages"/>), made on its first message.</summary>
public sealed class MessageQueues(MessageStore store, ThreadDelivery delivery, TimeProvider time, IOptionsMonitor<JwtBearerOptions> jwt, ILogger<OutgoingMessages> logger)
{
    public OutgoingMessages For(ClientConnection connection, Guid threadId) =>
        connection.Outgoing(threadId, () => new OutgoingMessages(store, delivery, connection.UserName, threadId, SignedInUntil(connection.AccessToken), time, logger));

    /// <summary>
    /// When the connection's sign-in ends: its token's expiry, with the clock skew its validation allowed (the token itself
    /// was validated when the connection opened).
    /// </summary>
    private DateTimeOffset SignedInUntil(string accessToken)
    {
        var expires = new JsonWebToken(accessToken).ValidTo; // DateTime.MinValue when the token says nothing
        return expires == DateTime.MinValue
            ? DateTimeOffset.MaxValue
            : new DateTimeOffset(expires, TimeSpan.Zero) + jwt.Get(JwtBearerDefaults.AuthenticationScheme).TokenValidationParameters.ClockSkew;
    }
}
