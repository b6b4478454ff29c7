namespace Vireo.Agent.Tests;

/// <summary>Orderly shutdown of the real guest: by the agent's request and by the virtio-input power button.</summary>
[Collection(nameof(GuestBootCollection))]
public sealed class ShutdownTests
{
    private const string ArmHook =
        "mkdir -p /etc/shutdown.d; printf '#!/bin/sh\\necho shutdown-hook-ran > /dev/console\\n' > /etc/shutdown.d/10-mark; " +
        "chmod +x /etc/shutdown.d/10-mark; echo armed; sleep 100000";

    [Fact]
    public async Task PowerButtonPowersTheGuestOffCleanlyAfterItsHooks()
    {
        using AgentGuest guest = await AgentGuest.BootAsync(ArmHook);
        await WaitForConsole(guest, "armed");
        guest.Terminate();
        int exit = await guest.WaitForExitAsync(TimeSpan.FromSeconds(20));
        Assert.True(exit == 0, $"exit {exit}\n{guest.Console}");
        Assert.Contains("shutdown-hook-ran", guest.Console, StringComparison.Ordinal);
        Assert.DoesNotContain("vireo-guest: exit", guest.Console, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShutdownRequestPowersTheGuestOffCleanlyAfterItsHooks()
    {
        using AgentGuest guest = await AgentGuest.BootAsync(ArmHook);
        await WaitForConsole(guest, "armed");
        await guest.Client.ShutdownAsync();
        int exit = await guest.WaitForExitAsync(TimeSpan.FromSeconds(20));
        Assert.True(exit == 0, $"exit {exit}\n{guest.Console}");
        Assert.Contains("shutdown-hook-ran", guest.Console, StringComparison.Ordinal);
    }

    private static async Task WaitForConsole(AgentGuest guest, string text)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (!guest.Console.Contains(text, StringComparison.Ordinal))
        {
            Assert.False(guest.HasExited, guest.Console);
            await Task.Delay(100, timeout.Token);
        }
    }
}
