namespace Vireo.Scheduling.Policy;

/// <summary>Where a vCPU is, as the policy sees it.</summary>
internal enum VcpuState
{
    /// <summary>Not started, or its run is over (exit requested).</summary>
    Idle = 0,

    /// <summary>Wants a worker.</summary>
    Runnable = 1,

    /// <summary>On a worker.</summary>
    Running = 2,

    /// <summary>Off every worker until a wake-up (WFI, HSM stop).</summary>
    Parked = 3,
}
