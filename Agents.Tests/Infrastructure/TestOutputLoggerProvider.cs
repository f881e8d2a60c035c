using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Agents.Tests.Infrastructure;

/// <summary>
/// Writes the AppHost's logs (resource console lines included) to the output of the test that is running, so a
/// failing test shows what the services said. Set <see cref="Output"/> from each test class.
/// </summary>
public sealed class TestOutputLoggerProvider : ILoggerProvider
{
    private volatile ITestOutputHelper? _output;

    public ITestOutputHelper? Output
    {
        get => _output;
        set => _output = value;
    }

    public ILogger CreateLogger(string categoryName) => new TestOutputLogger(this, categoryName);

    public void Dispose() => _output = null;

    private sealed class TestOutputLogger(TestOutputLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel) || provider.Output is not { } output)
            {
                return;
            }
            var text = category == "Agents.Hosting.Resources" ? formatter(state, exception) : $"[{logLevel}] {category}: {formatter(state, exception)}";
            try
            {
                output.WriteLine(exception is null ? text : $"{text}{Environment.NewLine}{exception}");
            }
            catch (InvalidOperationException)
            {
                // The test that owned this output has finished; the line belongs to no test.
            }
        }
    }
}

public static class TestingBuilderLoggingExtensions
{
    /// <summary>Routes the AppHost's logs to test output: resource lines and the orchestrator's own messages.</summary>
    public static TestOutputLoggerProvider AddTestOutputLogging(this IDistributedApplicationTestingBuilder builder, ITestOutputHelper? output = null)
    {
        var provider = new TestOutputLoggerProvider { Output = output };
        builder.Services.AddLogging(logging =>
        {
            logging.ClearProviders();
            logging.AddProvider(provider);
            logging.AddFilter("Microsoft", LogLevel.Warning);
        });
        return provider;
    }
}
