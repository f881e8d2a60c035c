using Agents.Tests.Infrastructure;

namespace Agents.Tests.EndToEnd;

/// <summary>Tests that use the shared app through its front door, with the app's logs in their output.</summary>
public abstract class FrontDoorTests
{
    protected FrontDoorTests(AppHostFixture fixture, ITestOutputHelper output)
    {
        Fixture = fixture;
        fixture.Output = output;
    }

    protected AppHostFixture Fixture { get; }

    protected Uri FrontDoor => Fixture.App.GetEndpoint(ResourceNames.Web);

    protected static string NewUser(string name) => $"{name}-{Guid.NewGuid():N}"[..20];

    protected Task<AgentsClient> SignInAsync(string name) => AgentsClient.SignInAsync(FrontDoor, NewUser(name));
}
