namespace Vireo.Scheduling;

/// <summary>One vCPU's CPU accounting since its VM was registered.</summary>
/// <param name="Index">The hart id.</param>
/// <param name="RunTime">Host CPU time the hart ran on a worker.</param>
/// <param name="WaitTime">Time it was runnable but waited for a worker (run-queue wait; throttling and pauses excluded only for pauses).</param>
/// <param name="Wakeups">Times it was woken from a park (WFI, HSM stop).</param>
/// <param name="MaxWait">Longest single wait for a worker.</param>
public sealed record VcpuStats(int Index, TimeSpan RunTime, TimeSpan WaitTime, long Wakeups, TimeSpan MaxWait);
