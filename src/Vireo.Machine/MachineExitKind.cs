namespace Vireo.Machine;

/// <summary>Why a VM stopped running. Callers branch on this, never on <see cref="MachineExit.Reason"/>'s text.</summary>
public enum MachineExitKind
{
    /// <summary>The guest powered off (SiFive test 0x5555, SBI shutdown).</summary>
    PowerOff,

    /// <summary>The guest asked for a reset and the VM was configured not to reboot.</summary>
    Reset,

    /// <summary>The guest reported a failure code: the SiFive test device's fail code, or an SBI reset for a failure.</summary>
    GuestFailure,

    /// <summary>The guest kernel panicked (seen on its console).</summary>
    Panic,

    /// <summary>A hart can never make progress again: its trap handler faults on its own first instruction.</summary>
    HartStuck,

    /// <summary>Host-side failure: an internal error in a hart or a device the VM cannot continue without.</summary>
    HostError,

    /// <summary>The host stopped the VM (Ctrl-A X, a signal, the API).</summary>
    Stopped,
}
