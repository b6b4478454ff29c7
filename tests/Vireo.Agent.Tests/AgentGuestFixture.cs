namespace Vireo.Agent.Tests;

/// <summary>One booted guest shared by the tests of a class (booting takes most of a test's time).</summary>
public sealed class AgentGuestFixture : IAsyncLifetime
{
    private AgentGuest? _guest;

    internal AgentGuest Guest => _guest ?? throw new InvalidOperationException("not booted");

    public async Task InitializeAsync() => _guest = await AgentGuest.BootAsync();

    public Task DisposeAsync()
    {
        _guest?.Dispose();
        return Task.CompletedTask;
    }
}
