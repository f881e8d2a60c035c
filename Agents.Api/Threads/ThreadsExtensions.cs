namespace Agents.Api.Threads;

public static class ThreadsExtensions
{
    public static IHostApplicationBuilder AddThreads(this IHostApplicationBuilder builder)
    {
        builder.Services.AddMessageStore();
        builder.Services.AddSingleton<ThreadStore>();
        return builder;
    }
}
