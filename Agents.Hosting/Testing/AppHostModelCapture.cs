namespace Agents.Hosting.Testing;

/// <summary>
/// Lets a test run the AppHost's own Main in the test process and take the model it builds: while a capture is
/// current, <see cref="DistributedApplication.CreateBuilder"/> makes a testing builder and its Build() hands the
/// builder over instead of building.
/// </summary>
internal sealed class AppHostModelCapture(Func<string[], DistributedApplicationOptions> options)
{
    private static readonly AsyncLocal<AppHostModelCapture?> CurrentCapture = new();
    private readonly TaskCompletionSource<DistributedApplicationBuilder> _captured = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static AppHostModelCapture? Current
    {
        get => CurrentCapture.Value;
        set => CurrentCapture.Value = value;
    }

    public Func<string[], DistributedApplicationOptions> Options { get; } = options;

    public Task<DistributedApplicationBuilder> Captured => _captured.Task;

    public void Capture(DistributedApplicationBuilder builder)
    {
        builder.InterceptBuild = null;
        _captured.TrySetResult(builder);
    }

    public void Fail(Exception exception) => _captured.TrySetException(exception);
}

/// <summary>Thrown inside the AppHost's Main to end it once its model is captured.</summary>
internal sealed class AppHostModelCapturedException() : Exception("The app model was handed to the testing builder.");
