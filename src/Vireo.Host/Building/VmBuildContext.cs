using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vireo.Machine;

namespace Vireo.Host.Building;

/// <summary>What the builder needs besides the spec: where the default guest is, where output goes, the VM's identity.</summary>
public sealed class VmBuildContext
{
    /// <summary>Source of the default guest's images.</summary>
    public required IGuestImageSource GuestImages { get; init; }

    /// <summary>
    /// A string unique to this VM among the VMs that may share a network (the daemon's VM id; the command line for
    /// <c>vireo run</c>): default MAC addresses are derived from it.
    /// </summary>
    public required string Identity { get; init; }

    /// <summary>Where the guest console's bytes go (on hart or device threads).</summary>
    public ConsoleOutput ConsoleOutput { get; init; } = static _ => { };

    /// <summary>Logger for device diagnostics of this VM.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>The vCPU pool that runs the harts; null: one host thread per hart.</summary>
    public Vireo.Scheduling.VcpuPool? Scheduler { get; init; }

    /// <summary>Clock source; the system clock when null (tests inject one).</summary>
    public TimeProvider? Time { get; init; }
}
