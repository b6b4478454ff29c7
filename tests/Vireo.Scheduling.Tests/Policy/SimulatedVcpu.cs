using Vireo.Scheduling.Policy;

namespace Vireo.Scheduling.Tests.Policy;

/// <summary>A vCPU's workload in a <see cref="PolicySimulation"/>: CPU-bound, or bursts of work separated by sleeps.</summary>
internal sealed class SimulatedVcpu(PolicyVcpu vcpu, long burstNs, long sleepNs)
{
    public PolicyVcpu Vcpu { get; } = vcpu;

    /// <summary>Work per burst (long.MaxValue: CPU-bound).</summary>
    public long BurstNs { get; } = burstNs;

    public long SleepNs { get; } = sleepNs;

    public long BurstLeft { get; set; } = burstNs;

    /// <summary>When a sleeping vCPU wakes (long.MaxValue: not sleeping).</summary>
    public long WakeAt { get; set; } = long.MaxValue;

    /// <summary>When the last wake-up happened, until the vCPU runs (for wake-up latency).</summary>
    public long WokenAt { get; set; } = -1;

    public List<long> WakeLatencies { get; } = [];

    public bool CpuBound => BurstNs == long.MaxValue;
}
