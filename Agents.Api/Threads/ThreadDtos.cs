using System.ComponentModel.DataAnnotations;

namespace Agents.Api.Threads;

public sealed record CreateThreadRequest([property: Required, StringLength(200, MinimumLength = 1)] string Title);

public sealed record RenameThreadRequest([property: Required, StringLength(200, MinimumLength = 1)] string Title);

public sealed record AddMemberRequest(
    [property: Required, StringLength(32, MinimumLength = 1), RegularExpression("^[A-Za-z0-9_.-]+$", ErrorMessage = "Use letters, digits, '_', '.' or '-'.")]
    string UserName);

public sealed record PostMessageRequest(
    [property: Required, StringLength(MessageLimits.MaxClientMessageIdLength, MinimumLength = 1)] string ClientMessageId,
    [property: Required, StringLength(MessageLimits.MaxTextLength, MinimumLength = 1)] string Text);

/// <summary>Several messages of one sender, stored in this order in one transaction.</summary>
public sealed record PostMessagesRequest(
    [property: Required, Length(1, MessageLimits.MaxMessagesPerCall)] IReadOnlyList<PostMessageRequest> Messages);

public sealed record ThreadSummary(Guid Id, string Title, string Owner, long LastSeq, DateTime CreatedAt);

public sealed record MemberDto(string UserName, string Role, DateTime JoinedAt);

public sealed record ThreadDetails(Guid Id, string Title, string Owner, long LastSeq, DateTime CreatedAt, IReadOnlyList<MemberDto> Members);

public static class ThreadLimits
{
    /// <summary>The most events one page of the log holds.</summary>
    public const int MaxEventsPerPage = 1_000;
}
