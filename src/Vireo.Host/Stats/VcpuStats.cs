namespace Vireo.Host.Stats;

/// <summary>One hart's counters.</summary>
/// <param name="Index">Hart id.</param>
/// <param name="InstructionsRetired">Guest instructions retired in the current run.</param>
/// <param name="HostCpuTime">Host CPU time the hart's thread used in the current run.</param>
/// <param name="WaitTime">Time the hart was runnable but waiting for a host CPU (run-queue wait).</param>
public sealed record VcpuStats(int Index, ulong InstructionsRetired, TimeSpan HostCpuTime, TimeSpan WaitTime);
