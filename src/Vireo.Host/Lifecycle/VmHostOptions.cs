using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vireo.Host.Building;
using Vireo.Machine;

namespace Vireo.Host.Lifecycle;

/// <summary>What a <see cref="VmHost"/> needs from its owner besides the spec.</summary>
public sealed class VmHostOptions
{
    /// <summary>Source of the default guest's images.</summary>
    public required IGuestImageSource GuestImages { get; init; }

    /// <summary>A string unique to the VM (default MACs derive from it); see <see cref="VmBuildContext.Identity"/>.</summary>
    public required string Identity { get; init; }

    /// <summary>Loggers; each VM logs in a scope naming it.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Also receives the console's bytes (the CLI's terminal), besides the VM's <see cref="VmHost.Console"/> buffer.</summary>
    public ConsoleOutput? ConsoleOutput { get; init; }

    /// <summary>Bytes of console output each VM keeps (at least 1 MiB for the daemon's logs endpoint).</summary>
    public int ConsoleCapacity { get; init; } = 1 << 20;

    /// <summary>Clock source for the guest timebase; the system clock when null.</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>The vCPU pool that runs the VM's harts (one per process); null: one host thread per hart.</summary>
    public Vireo.Scheduling.VcpuPool? Scheduler { get; init; }

    /// <summary>How long a start waits for the boot hart's first instruction before it reports the VM running anyway.</summary>
    public TimeSpan BootWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a pause may take to stop every hart and quiesce every device.</summary>
    public TimeSpan PauseTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
