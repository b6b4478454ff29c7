using Microsoft.Extensions.Hosting;
using Vireo.Host.Management;

namespace Vireo.Daemon;

/// <summary>Loads the VMs when the daemon starts (autostart) and stops them in order when it stops (SIGTERM).</summary>
internal sealed class ManagerService(VmManager manager, DaemonOptions options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => manager.LoadAsync();

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await manager.ShutdownAsync(options.ShutdownTimeout).ConfigureAwait(false);
        await manager.DisposeAsync().ConfigureAwait(false);
    }
}
