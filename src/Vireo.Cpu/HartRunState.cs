namespace Vireo.Cpu;

/// <summary>What a hart is doing, as the SBI HSM extension reports it.</summary>
public enum HartRunState
{
    /// <summary>Executing instructions.</summary>
    Started = 0,

    /// <summary>Parked until another hart starts it (SBI HSM hart_start) or the VM resets.</summary>
    Stopped = 1,

    /// <summary>Waiting in WFI for an interrupt; its host thread is blocked.</summary>
    Waiting = 2,
}
