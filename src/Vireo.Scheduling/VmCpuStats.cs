namespace Vireo.Scheduling;

/// <summary>A VM's CPU accounting (a snapshot; readable from any thread).</summary>
/// <param name="Name">The VM's name in the pool.</param>
/// <param name="Controls">Its controls at the time of the snapshot.</param>
/// <param name="RunTime">Host CPU time of all its vCPUs.</param>
/// <param name="WaitTime">Run-queue wait of all its vCPUs.</param>
/// <param name="ThrottledTime">Time it had work but was held back by its cap.</param>
/// <param name="Vcpus">Per-vCPU figures, by hart id.</param>
public sealed record VmCpuStats(string Name, CpuControls Controls, TimeSpan RunTime, TimeSpan WaitTime, TimeSpan ThrottledTime, IReadOnlyList<VcpuStats> Vcpus);
