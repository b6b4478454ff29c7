using Vireo.Host.Lifecycle;

namespace Vireo.Host.Stats;

/// <summary>A point-in-time snapshot of one VM's counters (also exported through System.Diagnostics.Metrics).</summary>
public sealed record VmStats
{
    public required string Name { get; init; }

    public required VmState State { get; init; }

    /// <summary>Time since the current run's boot began (zero when not running).</summary>
    public TimeSpan Uptime { get; init; }

    /// <summary>Guest RAM size.</summary>
    public ulong MemoryBytes { get; init; }

    /// <summary>Guest instructions retired by all harts in the current run.</summary>
    public ulong InstructionsRetired { get; init; }

    /// <summary>Host CPU time of all harts in the current run.</summary>
    public TimeSpan HostCpuTime { get; init; }

    public IReadOnlyList<VcpuStats> Vcpus { get; init; } = [];

    public IReadOnlyList<NicStats> Nics { get; init; } = [];

    /// <summary>Console bytes printed since the VM was created.</summary>
    public long ConsoleBytes { get; init; }

    /// <summary>Runs started since the VM was created (host start or restart; guest reboots inside a run not counted).</summary>
    public long Starts { get; init; }

    /// <summary>Runs ended, by exit kind.</summary>
    public IReadOnlyDictionary<VmExitKind, long> Exits { get; init; } = new Dictionary<VmExitKind, long>();
}
