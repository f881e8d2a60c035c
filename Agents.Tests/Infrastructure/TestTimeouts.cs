namespace Agents.Tests.Infrastructure;

/// <summary>Every await in a test is bounded, so a hang fails with a reason instead of stalling the run.</summary>
public static class TestTimeouts
{
    public static readonly TimeSpan Startup = TimeSpan.FromSeconds(90);
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(30);

    public static Task WithTimeout(this Task task, TimeSpan? timeout = null) =>
        task.WaitAsync(timeout ?? Default, TestContext.Current.CancellationToken);

    public static Task<T> WithTimeout<T>(this Task<T> task, TimeSpan? timeout = null) =>
        task.WaitAsync(timeout ?? Default, TestContext.Current.CancellationToken);
}
