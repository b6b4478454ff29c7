using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vireo.Host.Building;

namespace Vireo.Host.Management;

/// <summary>Settings of a <see cref="VmManager"/>.</summary>
public sealed class VmManagerOptions
{
    /// <summary>Source of the default guest's images.</summary>
    public required IGuestImageSource GuestImages { get; init; }

    /// <summary>Loggers.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Most VMs one manager holds.</summary>
    public int MaxVms { get; init; } = 1024;

    /// <summary>How long a graceful stop waits for the guest before forcing it (API default).</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The process's vCPU pool every VM's harts run on (null: each VM's harts get their own threads).</summary>
    public Vireo.Scheduling.VcpuPool? Scheduler { get; init; }
}
