using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Agents.Hosting;

/// <summary>One line a resource wrote to its console.</summary>
public sealed record LogLine(long LineNumber, DateTimeOffset Timestamp, string ResourceId, string Content, bool IsErrorMessage);

/// <summary>Keeps the recent console output of every resource and streams new lines to watchers.</summary>
public sealed class ResourceLoggerService
{
    private const int MaxLinesPerResource = 10_000;
    private readonly ConcurrentDictionary<string, ResourceLog> _logs = new();

    /// <summary>Adds a line written by an instance of <paramref name="resourceName"/>.</summary>
    public void Append(string resourceName, string resourceId, string content, bool isError)
    {
        var log = _logs.GetOrAdd(resourceName, _ => new ResourceLog());
        LogLine line;
        Channel<LogLine>[] watchers;
        lock (log)
        {
            line = new LogLine(++log.LastLineNumber, DateTimeOffset.UtcNow, resourceId, content, isError);
            log.Lines.Enqueue(line);
            if (log.Lines.Count > MaxLinesPerResource)
            {
                log.Lines.Dequeue();
            }
            watchers = [.. log.Watchers];
        }
        foreach (var watcher in watchers)
        {
            watcher.Writer.TryWrite(line);
        }
    }

    /// <summary>The recent lines of every instance of the resource, oldest first.</summary>
    public IReadOnlyList<LogLine> GetLogs(string resourceName)
    {
        if (!_logs.TryGetValue(resourceName, out var log))
        {
            return [];
        }
        lock (log)
        {
            return [.. log.Lines];
        }
    }

    /// <summary>The recent lines, then every new line as it is written, until cancelled.</summary>
    public async IAsyncEnumerable<LogLine> WatchAsync(string resourceName, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var log = _logs.GetOrAdd(resourceName, _ => new ResourceLog());
        var channel = Channel.CreateUnbounded<LogLine>(new UnboundedChannelOptions { SingleReader = true });
        LogLine[] backlog;
        lock (log)
        {
            backlog = [.. log.Lines];
            log.Watchers.Add(channel);
        }
        try
        {
            foreach (var line in backlog)
            {
                yield return line;
            }
            await foreach (var line in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return line;
            }
        }
        finally
        {
            lock (log)
            {
                log.Watchers.Remove(channel);
            }
        }
    }

    private sealed class ResourceLog
    {
        public Queue<LogLine> Lines { get; } = new();
        public List<Channel<LogLine>> Watchers { get; } = [];
        public long LastLineNumber { get; set; }
    }
}
